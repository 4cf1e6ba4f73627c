import { SERVICE_NAMES } from '../../shared/config';
import { runCanaries } from './canary-phase';
import { EXIT } from './exit-codes';
import { reloadOrder, type FleetInstance } from './fleet-instance';
import { fleetReport, type StepRecord } from './fleet-report';
import { indented } from './output';
import type { Pm2Control } from './pm2-control';
import { reloadOneByOne } from './reload-steps';
import type { RolloutOptions } from './rollout-options';

export interface RolloutIo {
  readonly say: (line: string) => void;
  readonly complain: (line: string) => void;
}

/** Why the fleet cannot be rolled as it is, if it cannot: every service running, every instance online. */
export function fleetProblem(fleet: readonly FleetInstance[]): string | undefined {
  const missing = SERVICE_NAMES.filter((service) => !fleet.some((i) => i.service === service));
  if (missing.length > 0) {
    return `no running instance of ${missing.join(', ')} under this PM2_HOME: start the fleet first (npm run fleet:start)`;
  }
  const sick = fleet.filter((i) => i.status !== 'online');
  if (sick.length > 0) {
    const list = sick.map((i) => `${i.service} pm_id ${i.pmId} is ${i.status}`).join(', ');
    return `${list}: bring the fleet back online before rolling a new build onto it`;
  }
  return undefined;
}

/**
 * The guarded rollout: canaries of the new build first (the fleet untouched if one fails), then
 * one instance at a time, each checked, stopping at the first bad step. Returns the exit code.
 */
export async function runRollout(
  control: Pm2Control,
  options: RolloutOptions,
  rolloutEnv: Readonly<Record<string, string | undefined>>,
  io: RolloutIo,
  signal: AbortSignal,
): Promise<number> {
  const fleet = await control.list();
  const problem = fleetProblem(fleet);
  if (problem) {
    io.complain(`rollout: ${problem}`);
    return EXIT.usage;
  }
  const pidsAtStart = new Map(fleet.map((instance) => [instance.pmId, instance.pid]));
  io.say(`rollout: PM2_HOME=${control.home}, ${fleet.length} instances of ${SERVICE_NAMES.join(', ')}`);

  io.say('rollout: starting one canary per service from the new build…');
  const canaries = await runCanaries(fleet, rolloutEnv, {
    readyTimeoutMs: options.canaryTimeoutMs,
    settleMs: options.settleMs,
    allowDegraded: options.allowDegraded,
    signal,
  });
  for (const canary of canaries) {
    io.say(`  canary ${canary.service}: ${canary.ok ? 'ok' : 'REFUSED'}: ${canary.summary}`);
  }
  if (signal.aborted) {
    io.complain('rollout: interrupted during the canaries; the running fleet was not touched');
    return EXIT.interrupted;
  }
  const refused = canaries.filter((canary) => !canary.ok);
  if (refused.length > 0) {
    for (const canary of refused) {
      io.complain(`rollout: REFUSED: the ${canary.service} canary ${canary.summary}`);
      if (canary.output) io.complain(`  its last output:\n${indented(canary.output)}`);
    }
    io.complain('rollout: the running fleet was not touched; fix the build and run the rollout again');
    return EXIT.canaryRefused;
  }

  io.say('rollout: canaries passed; reloading one instance at a time…');
  const steps: StepRecord[] = await reloadOneByOne(
    control,
    reloadOrder(fleet),
    {
      settleMs: options.settleMs,
      allowDegraded: options.allowDegraded,
      probeAttempts: fleet.length * 20,
      signal,
    },
    io.say,
  );
  const report = fleetReport(await control.list(), pidsAtStart, steps);
  const failed = steps.find((step) => !step.ok);
  if (failed || steps.length < fleet.length) {
    const why = failed
      ? `STOPPED at pm_id ${failed.pmId}: ${failed.problem ?? 'unknown'}`
      : 'INTERRUPTED before every instance was reloaded';
    io.complain(`rollout: ${why}`);
    io.complain('rollout: what runs where now:');
    for (const line of report) io.complain(line);
    io.complain(
      'rollout: PM2 has no rollback. Fix the build and run the rollout again (it reloads every instance), ' +
        'or put the previous build back in dist/ and run it with that.',
    );
    return failed ? EXIT.stepFailed : EXIT.interrupted;
  }
  io.say('rollout: done; every instance runs the new build:');
  for (const line of report) io.say(line);
  return EXIT.rolledOut;
}
