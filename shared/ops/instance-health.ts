import { flagSourceOf } from '../flags/flag-store';
import type { Pm2Process } from './pm2-client';
import type { InstanceStatus } from './status-protocol';

/** One instance: what PM2 knows of it, what it said about itself (if it answered), and what is wrong. */
export interface InstanceReport {
  readonly process: Pm2Process;
  readonly status: InstanceStatus | null;
  readonly problems: readonly string[];
  /** Worth a look, but not unhealthy: see warningsOf. */
  readonly warnings: readonly string[];
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
  if (!status.flags?.initialized) {
    problems.push(
      status.flags && flagSourceOf(status.flags) === 'stored'
        ? 'serving stored flags, not live'
        : 'flags not initialized',
    );
  }
  return problems;
}

/**
 * Analytics events an instance lost. A warning, never a problem: flags and requests are unaffected;
 * the counts are since start, so the instance would stay unhealthy until restarted, and a restart
 * does not help (the cause, an events endpoint down or a queue too small for the traffic, is the
 * fleet's, not the instance's); and a status gate would then stop every rollout.
 */
export function warningsOf(status: InstanceStatus | null): string[] {
  const warnings: string[] = storeWarningsOf(status);
  const events = status?.events;
  if (!events) return warnings;
  if (events.dropped) {
    warnings.push(
      `${events.dropped} analytics event(s) dropped: the SDK's queue was full (capacity ${events.capacity ?? '?'})`,
    );
  }
  if (events.failedFlushes > 0) {
    const last = events.lastFlushError ? `, last: ${events.lastFlushError.message}` : '';
    warnings.push(`${events.failedFlushes} analytics event flush(es) failed${last}`);
  }
  return warnings;
}

/** A flag store that is down or behind: requests are unaffected (they read memory), but a host that
 * starts now would find older flags, or none. */
function storeWarningsOf(status: InstanceStatus | null): string[] {
  const store = status?.flags?.store;
  if (!store) return [];
  const warnings: string[] = [];
  if (!store.connected) warnings.push('flag store (Redis) not connected');
  if (store.writePending) warnings.push('flag changes not yet written to the flag store');
  return warnings;
}
