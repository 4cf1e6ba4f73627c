import { SERVICE_NAMES, type ServiceName } from '../../shared/config';
import { runCanaries } from './canary-phase';
import { decideServices, type ServiceDecision } from './changed-services';
import { EXIT } from './exit-codes';
import { reloadOrder, type FleetInstance } from './fleet-instance';
import { fleetReport, type StepRecord } from './fleet-report';
import { hostIdentity } from './host-identity';
import { nextBuilds } from './next-build';
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

/** Compares what each instance runs (it says, through PM2) with what a reload would give it. */
async function decideWhatToRoll(
  control: Pm2Control,
  fleet: readonly FleetInstance[],
  rolloutEnv: Readonly<Record<string, string | undefined>>,
  all: boolean,
): Promise<ServiceDecision[]> {
  const [statuses, next] = await Promise.all([control.statuses(), nextBuilds(fleet, rolloutEnv)]);
  return decideServices(
    fleet.map((instance) => ({
      instance,
      status: statuses.get(instance.pmId) ?? null,
      next: next.get(instance.pmId) ?? new Error('not computed'),
    })),
    all,
  );
}

function decisionLine({ service, roll, changed, reason }: ServiceDecision): string {
  if (changed) return `  ${service}: CHANGED: ${reason}`;
  return `  ${service}: ${reason}${roll ? '; rolled anyway (--all)' : '; not rolled'}`;
}

/**
 * The guarded rollout: only services whose build changed (every one with --all); canaries of the new
 * build first (the fleet untouched if one fails), then one instance at a time, each checked, stopping
 * at the first bad step. Returns the exit code.
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
  const host = hostIdentity(fleet);
  io.say(
    `rollout: ${host}, PM2_HOME=${control.home}, ${fleet.length} instances of ${SERVICE_NAMES.join(', ')}`,
  );

  io.say('rollout: comparing the build in dist/ with the build each instance runs…');
  const decisions = await decideWhatToRoll(control, fleet, rolloutEnv, options.all);
  for (const decision of decisions) io.say(decisionLine(decision));
  const rolled: ServiceName[] = decisions.filter((d) => d.roll).map((d) => d.service);
  const unchanged = new Set(decisions.filter((d) => !d.roll).map((d) => d.service));
  if (rolled.length === 0) {
    io.say(
      `rollout: ${host}: nothing changed: every instance already runs this build; nothing was touched ` +
        '(--all rolls every service anyway)',
    );
    return EXIT.rolledOut;
  }

  io.say(`rollout: starting one canary per service to roll (${rolled.join(', ')}) from the new build…`);
  const canaries = await runCanaries(fleet, rolled, rolloutEnv, {
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
    io.complain(
      `rollout: ${host}: the running fleet was not touched (it runs the build it ran before); ` +
        'fix the build and run the rollout again',
    );
    return EXIT.canaryRefused;
  }

  io.say('rollout: canaries passed; reloading one instance at a time…');
  const toReload = reloadOrder(fleet.filter((instance) => !unchanged.has(instance.service)));
  const steps: StepRecord[] = await reloadOneByOne(
    control,
    toReload,
    {
      settleMs: options.settleMs,
      allowDegraded: options.allowDegraded,
      probeAttempts: fleet.length * 20,
      signal,
    },
    io.say,
  );
  const report = fleetReport(await control.list(), pidsAtStart, steps, unchanged);
  const failed = steps.find((step) => !step.ok);
  if (failed || steps.length < toReload.length) {
    const why = failed
      ? `STOPPED at pm_id ${failed.pmId}: ${failed.problem ?? 'unknown'}`
      : 'INTERRUPTED before every instance was reloaded';
    io.complain(`rollout: ${why}`);
    io.complain(`rollout: ${host}: what runs where now:`);
    for (const line of report) io.complain(line);
    io.complain(
      'rollout: PM2 has no rollback. Fix the build and run the rollout again (it reloads every instance ' +
        'of each service whose build differs), or put the previous build back in dist/ and run it with that.',
    );
    return failed ? EXIT.stepFailed : EXIT.interrupted;
  }
  io.say(
    unchanged.size === 0
      ? `rollout: ${host}: done; every instance runs the new build:`
      : `rollout: ${host}: done; every instance of ${rolled.join(', ')} runs the new build; ` +
          `${[...unchanged].join(', ')} unchanged, not touched:`,
  );
  for (const line of report) io.say(line);
  return EXIT.rolledOut;
}
