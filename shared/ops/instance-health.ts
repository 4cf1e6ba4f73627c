import type { Pm2Process } from './pm2-client';
import type { InstanceStatus } from './status-protocol';

/** One instance: what PM2 knows of it, what it said about itself (if it answered), and what is wrong. */
export interface InstanceReport {
  readonly process: Pm2Process;
  readonly status: InstanceStatus | null;
  readonly problems: readonly string[];
}

/**
 * Why an instance is unhealthy; empty when it is healthy. A `pm2 reload` counts as a restart too
 * (PM2 does not tell them apart): `pm2 reset <app>` zeroes the counter after a deliberate one.
 */
export function problemsOf(listed: Pm2Process, status: InstanceStatus | null): string[] {
  const problems: string[] = [];
  if (listed.status !== 'online') problems.push(`PM2 status is ${listed.status}`);
  if (listed.restarts > 0) problems.push(`restarted ${listed.restarts} time(s)`);
  if (status === null) {
    if (listed.status === 'online') problems.push('did not answer the status query');
    return problems;
  }
  if (status.pid !== listed.pid) problems.push(`answered from pid ${status.pid}, PM2 lists ${listed.pid}`);
  if (status.phase !== 'serving') problems.push(`is ${status.phase}`);
  if (!status.flags?.initialized) problems.push('flags not initialized');
  return problems;
}
