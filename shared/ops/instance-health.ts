import type { Pm2Process } from './pm2-client';
import type { InstanceStatus } from './status-protocol';

/** One instance: what PM2 knows of it, what it said about itself (if it answered), and what is wrong. */
export interface InstanceReport {
  readonly process: Pm2Process;
  readonly status: InstanceStatus | null;
  readonly problems: readonly string[];
}

/**
 * Why an instance is unhealthy; empty when it is healthy. Restarts as such are not a problem — every
 * `pm2 reload` counts as one, so a status gate after a rollout would always fail — but PM2's
 * unstable restarts (a worker dying before `min_uptime`) mean a crash loop.
 */
export function problemsOf(listed: Pm2Process, status: InstanceStatus | null): string[] {
  const problems: string[] = [];
  if (listed.status !== 'online') problems.push(`PM2 status is ${listed.status}`);
  if (listed.unstableRestarts > 0)
    problems.push(`crash-looping: ${listed.unstableRestarts} unstable restart(s)`);
  if (status === null) {
    if (listed.status === 'online') problems.push('did not answer the status query');
    return problems;
  }
  if (status.pid !== listed.pid) problems.push(`answered from pid ${status.pid}, PM2 lists ${listed.pid}`);
  if (status.phase !== 'serving') problems.push(`is ${status.phase}`);
  if (!status.flags?.initialized) problems.push('flags not initialized');
  return problems;
}
