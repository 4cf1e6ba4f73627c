import type { FleetInstance } from './fleet-instance';

/** What happened to one instance in the reload phase. */
export interface StepRecord {
  readonly pmId: number;
  readonly ok: boolean;
  readonly problem?: string;
}

/**
 * Which build an instance runs now, as far as the rollout can tell. `unchanged`: its service's build
 * did not change, so the rollout left it alone.
 */
export function buildOf(
  instance: FleetInstance,
  pidAtStart: number | undefined,
  step: StepRecord | undefined,
  unchanged = false,
  started = false,
): string {
  if (started && pidAtStart === undefined) return 'NEW service, started by this rollout (checked)';
  const replaced = pidAtStart !== undefined && instance.pid !== pidAtStart;
  if (step?.ok) return 'NEW build (checked)';
  if (step && replaced) return `NEW build, FAILED its check: ${step.problem ?? 'unknown'}`;
  if (step) return `OLD build (its reload failed: ${step.problem ?? 'unknown'})`;
  if (replaced) {
    return 'restarted by PM2 outside the rollout: it loaded dist/ as it was then (most likely the NEW build)';
  }
  if (unchanged) return 'UNCHANGED: already runs this build (not reloaded)';
  return 'OLD build (not reloaded)';
}

/** One line per instance: service, pm_id, pid, status, restarts and build, in a stable order. */
export function fleetReport(
  current: readonly FleetInstance[],
  pidsAtStart: ReadonlyMap<number, number>,
  steps: readonly StepRecord[],
  unchangedServices: ReadonlySet<string> = new Set(),
  startedServices: ReadonlySet<string> = new Set(),
): string[] {
  const byId = new Map(steps.map((step) => [step.pmId, step]));
  const missing = [...pidsAtStart.keys()].filter((pmId) => !current.some((i) => i.pmId === pmId));
  return [
    ...[...current]
      .sort((a, b) => a.service.localeCompare(b.service) || a.pmId - b.pmId)
      .map((instance) =>
        [
          `  ${instance.service.padEnd(8)}`,
          `pm_id ${String(instance.pmId).padEnd(3)}`,
          `pid ${String(instance.pid).padEnd(7)}`,
          instance.status.padEnd(9),
          `restarts ${String(instance.restarts).padEnd(3)}`,
          buildOf(
            instance,
            pidsAtStart.get(instance.pmId),
            byId.get(instance.pmId),
            unchangedServices.has(instance.service),
            startedServices.has(instance.service),
          ),
        ].join(' '),
      ),
    ...missing.map((pmId) => `  pm_id ${pmId} is no longer in PM2's list`),
  ];
}
