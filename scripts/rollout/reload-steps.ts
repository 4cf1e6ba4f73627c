import { DEFAULT_PORTS, localAddressOf, portVariable } from '../../shared/config';
import type { FleetInstance } from './fleet-instance';
import type { StepRecord } from './fleet-report';
import { errorText, sleep } from './http-request';
import { probeInstance } from './instance-probe';
import type { Pm2Control } from './pm2-control';
import { acceptable } from './readiness';
import { reloadProblem, settleProblem } from './step-check';

export interface StepLimits {
  readonly settleMs: number;
  readonly allowDegraded: boolean;
  /** Fresh connections to try before giving up on reaching one instance's `/readyz`. */
  readonly probeAttempts: number;
  /** Aborting stops the rollout before the next step (never in the middle of one). */
  readonly signal?: AbortSignal;
}

/** The port an instance serves on: its worker's `<SERVICE>_PORT`, or the default. */
export function portOf(instance: FleetInstance): number {
  const raw = instance.workerEnv[portVariable(instance.service)]?.trim();
  return raw ? Number(raw) : DEFAULT_PORTS[instance.service];
}

/** The address the instance's host serves on, as seen from the host (its worker's BIND_ADDRESS). */
export function addressOf(instance: FleetInstance): string {
  return localAddressOf(instance.workerEnv.BIND_ADDRESS?.trim() || undefined);
}

/** One step: reload one pm_id, then check it. Returns the problem, or undefined when it is good. */
async function reloadAndCheck(
  control: Pm2Control,
  before: FleetInstance,
  limits: StepLimits,
): Promise<{ problem?: string; detail: string }> {
  try {
    await control.reload(before.pmId);
  } catch (error) {
    return { problem: `pm2 reload failed: ${errorText(error)}`, detail: '' };
  }
  const find = async () => (await control.list()).find((instance) => instance.pmId === before.pmId);
  const after = await find();
  const reloaded = reloadProblem(before, after);
  if (reloaded || !after) return { problem: reloaded, detail: '' };

  const probe = await probeInstance(
    after,
    { address: addressOf(after), port: portOf(after) },
    limits.probeAttempts,
  );
  if (!probe.readiness) {
    return {
      problem: `its /readyz could not be reached in ${probe.attempts} tries (last error: ${probe.lastError ?? 'none'})`,
      detail: '',
    };
  }
  if (probe.readiness.verdict === 'failed') return { problem: probe.readiness.reason, detail: '' };
  if (!acceptable(probe.readiness, limits.allowDegraded)) {
    const reason = probe.readiness.verdict === 'degraded' ? probe.readiness.reason : 'not ready';
    return { problem: `${reason}; degraded starts are not allowed (--allow-degraded)`, detail: '' };
  }

  await sleep(limits.settleMs);
  const settled = settleProblem(after, await find(), limits.settleMs);
  if (settled) return { problem: settled, detail: '' };
  const degraded =
    probe.readiness.verdict === 'degraded' ? `, DEGRADED (allowed): ${probe.readiness.reason}` : '';
  return { detail: `new pid ${after.pid}, online, ready${degraded}` };
}

/**
 * Reloads the instances one at a time, in the given order, checking each before the next; stops at
 * the first bad step (or when aborted). Returns a record per step taken.
 */
export async function reloadOneByOne(
  control: Pm2Control,
  order: readonly FleetInstance[],
  limits: StepLimits,
  say: (line: string) => void,
): Promise<StepRecord[]> {
  const steps: StepRecord[] = [];
  for (const [index, before] of order.entries()) {
    if (limits.signal?.aborted) break;
    const label = `[${index + 1}/${order.length}] ${before.service} pm_id ${before.pmId}`;
    say(`${label} (pid ${before.pid}): reloading`);
    const startedAt = Date.now();
    // eslint-disable-next-line no-await-in-loop -- one instance at a time is the point
    const { problem, detail } = await reloadAndCheck(control, before, limits);
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    if (problem) {
      say(`${label}: FAILED after ${seconds} s: ${problem}`);
      steps.push({ pmId: before.pmId, ok: false, problem });
      break;
    }
    say(`${label}: ok in ${seconds} s (${detail})`);
    steps.push({ pmId: before.pmId, ok: true });
  }
  return steps;
}
