import type { StartOptions } from 'pm2';

import { resolvePorts, type AnyServiceManifest } from '../../shared/fleet';
import { localAddressOf } from '../../shared/runtime';
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
  /** The fleet list: where each service's default port is. */
  readonly fleet: readonly AnyServiceManifest[];
}

/** Where the instance listens: its worker's BIND_ADDRESS, or every interface (undefined). */
export function bindAddressOf(instance: Pick<FleetInstance, 'workerEnv'>): string | undefined {
  return instance.workerEnv.BIND_ADDRESS?.trim() || undefined;
}

/** The address the instance's host serves on, as seen from the host (its worker's BIND_ADDRESS). */
export function addressOf(instance: Pick<FleetInstance, 'workerEnv'>): string {
  return localAddressOf(bindAddressOf(instance));
}

/** The port an instance serves on: its worker's `<NAME>_PORT`, or its manifest's. */
export function portOf(instance: FleetInstance, fleet: readonly AnyServiceManifest[]): number {
  const manifest = fleet.find((service) => service.name === instance.service);
  if (!manifest) throw new Error(`${instance.service} is not in the fleet list`);
  return resolvePorts(manifest, instance.workerEnv).port;
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
    { address: addressOf(after), port: portOf(after, limits.fleet) },
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

/**
 * Starts a service new to the fleet (its ecosystem app), then checks each of its instances as a
 * reloaded one is checked: online, `/readyz` ready, and still so after the settle time. Returns the
 * problem, or undefined when every instance is good.
 */
export async function startAndCheck(
  control: Pm2Control,
  app: StartOptions,
  limits: StepLimits,
  say: (line: string) => void,
): Promise<string | undefined> {
  const name = app.name ?? '?';
  say(`[start] ${name}: starting its instances under PM2`);
  const startedAt = Date.now();
  try {
    await control.start(app);
  } catch (error) {
    return `pm2 start failed: ${errorText(error)}`;
  }
  const instances = (await control.list()).filter((instance) => instance.service === name);
  if (instances.length === 0) return 'PM2 lists no instance of it after starting it';
  for (const instance of instances) {
    if (instance.status !== 'online') return `pm_id ${instance.pmId} is ${instance.status}, not online`;
    // eslint-disable-next-line no-await-in-loop -- one instance at a time, as the reload checks them
    const probe = await probeInstance(
      instance,
      { address: addressOf(instance), port: portOf(instance, limits.fleet) },
      limits.probeAttempts,
    );
    if (!probe.readiness) {
      return `pm_id ${instance.pmId}: its /readyz could not be reached in ${probe.attempts} tries (last error: ${probe.lastError ?? 'none'})`;
    }
    if (probe.readiness.verdict === 'failed') return `pm_id ${instance.pmId}: ${probe.readiness.reason}`;
    if (!acceptable(probe.readiness, limits.allowDegraded)) {
      return `pm_id ${instance.pmId}: not ready; degraded starts are not allowed (--allow-degraded)`;
    }
  }
  await sleep(limits.settleMs);
  const later = await control.list();
  for (const instance of instances) {
    const problem = settleProblem(
      instance,
      later.find((candidate) => candidate.pmId === instance.pmId),
      limits.settleMs,
    );
    if (problem) return `pm_id ${instance.pmId}: ${problem}`;
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  say(`[start] ${name}: ok in ${seconds} s (${instances.length} instances online, ready)`);
  return undefined;
}
