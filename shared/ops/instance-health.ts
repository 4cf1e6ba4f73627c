import type { FlagClientState, FlagServing } from '../flags';
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
      status.flags && servingOf(status.flags) === 'stored'
        ? 'serving stored flags, not live'
        : 'flags not initialized',
    );
  }
  return problems;
}

/**
 * What an instance's evaluations answer from, also for one built before it said so: the flag
 * module's `servingOf`, written out here so that the status command does not load the SDK.
 */
export function servingOf(flags: Pick<FlagClientState, 'initialized' | 'serving'>): FlagServing {
  return flags.serving ?? (flags.initialized ? 'live' : 'fallback');
}

/**
 * Analytics events an instance lost. A warning, never a problem: flags and requests are unaffected;
 * the counts are since start, so the instance would stay unhealthy until restarted, and a restart
 * does not help (the cause, an events endpoint down or a queue too small for the traffic, is the
 * fleet's, not the instance's); and a status gate would then stop every rollout.
 */
export function warningsOf(status: InstanceStatus | null, now = Date.now()): string[] {
  const warnings = [...flagSourceWarnings(status, now), ...flagStoreWarnings(status)];
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

function age(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/**
 * A flag source that stopped delivering, and malformed flag data that was refused: warnings, not
 * problems. The instance serves the last flags it had (an instance with none is already unhealthy:
 * "flags not initialized"), and restarting it would not help: the source is at fault. But stale
 * flags must never go unsaid, so each shows with its age.
 */
function flagSourceWarnings(status: InstanceStatus | null, now: number): string[] {
  const warnings: string[] = [];
  const source = status?.flags?.source;
  if (source?.state === 'interrupted') {
    warnings.push(
      `flag source not delivering for ${age(source.since, now)}: ${source.reason ?? 'no reason known'}`,
    );
  }
  const rejected = status?.flags?.rejectedData;
  if (rejected) {
    warnings.push(
      `${rejected.count} malformed flag payload(s) from the ${rejected.source} refused in the last ` +
        `${age(rejected.since, now)}, last: ${rejected.message}`,
    );
  }
  return warnings;
}

/**
 * A flag store that is down or behind: requests are unaffected (they read memory), but a host that
 * starts now would find older flags, or none.
 */
function flagStoreWarnings(status: InstanceStatus | null): string[] {
  const store = status?.flags?.store;
  if (!store) return [];
  const warnings: string[] = [];
  if (!store.connected) warnings.push('flag store (Redis) not connected');
  if (store.writePending) warnings.push('flag changes not yet written to the flag store');
  return warnings;
}
