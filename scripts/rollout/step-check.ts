import type { FleetInstance } from './fleet-instance';

/**
 * What is wrong with an instance right after `pm2 reload <pm_id>` returned, if anything. PM2 has no
 * rollback and reports success even when the new worker crashed, so the rollout checks for itself:
 * the new worker is online, under a new pid, and restarted exactly once (the reload itself).
 */
export function reloadProblem(before: FleetInstance, after: FleetInstance | undefined): string | undefined {
  if (!after) return `pm_id ${before.pmId} is gone from PM2's list`;
  if (after.status !== 'online') return `its status is "${after.status}", not online`;
  if (after.pid === before.pid) return `it still runs the old pid ${before.pid}: PM2 did not replace it`;
  const crashes = after.restarts - before.restarts - 1;
  if (crashes > 0) return `PM2 restarted it ${crashes} more time(s) after the reload: the new build crashes`;
  if (crashes < 0) return `its restart count did not go up (${before.restarts} → ${after.restarts})`;
  return undefined;
}

/** What changed while a new instance was settling: it must keep its pid, status and restart count. */
export function settleProblem(
  settled: FleetInstance,
  later: FleetInstance | undefined,
  settleMs: number,
): string | undefined {
  const within = `within ${Math.round(settleMs / 1000)} s of starting`;
  if (!later) return `pm_id ${settled.pmId} disappeared from PM2's list ${within}`;
  if (later.status !== 'online') return `its status turned "${later.status}" ${within}`;
  if (later.pid !== settled.pid || later.restarts !== settled.restarts) {
    return `it crashed and PM2 restarted it ${within} (pid ${settled.pid} → ${later.pid}, restarts ${settled.restarts} → ${later.restarts})`;
  }
  return undefined;
}
