import type { StartOptions } from 'pm2';

import { ConfigError } from '../../shared/config';
import { callOrder, type AnyServiceManifest } from '../../shared/fleet';
import { runCanaries, templateOf, type CanaryTemplate } from './canary-phase';
import { decideServices, type ServiceDecision } from './changed-services';
import { EXIT } from './exit-codes';
import { reloadOrder, type FleetInstance } from './fleet-instance';
import { hostIdentity } from './host-identity';
import { fleetReport, type StepRecord } from './fleet-report';
import { nextBuilds } from './next-build';
import { indented } from './output';
import type { Pm2Control } from './pm2-control';
import { reloadOneByOne, startAndCheck } from './reload-steps';
import type { RolloutOptions } from './rollout-options';

export interface RolloutIo {
  readonly say: (line: string) => void;
  readonly complain: (line: string) => void;
}

/** The fleet the rollout works on: its list, and its PM2 apps (for a service it must start). */
export interface FleetDefinition {
  readonly services: readonly AnyServiceManifest[];
  /** ecosystem.config.js's apps with the rollout's environment; throws a ConfigError for a broken list. */
  readonly apps: () => readonly StartOptions[];
}

/**
 * Why the fleet cannot be rolled as it is, if it cannot: nothing of it running (start it first), or an
 * instance not online. A service of the list with no instance is not a problem: the rollout starts it.
 */
export function fleetProblem(fleet: readonly FleetInstance[]): string | undefined {
  if (fleet.length === 0) {
    return 'no fleet service runs under this PM2_HOME: start the fleet first (npm run fleet:start)';
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
  fleetList: readonly AnyServiceManifest[],
  rolloutEnv: Readonly<Record<string, string | undefined>>,
  all: boolean,
): Promise<ServiceDecision[]> {
  const [statuses, next] = await Promise.all([control.statuses(), nextBuilds(fleet, fleetList, rolloutEnv)]);
  return decideServices(
    fleet.map((instance) => ({
      instance,
      status: statuses.get(instance.pmId) ?? null,
      next: next.get(instance.pmId) ?? new Error('not computed'),
    })),
    all,
    fleetList.map((service) => service.name),
  );
}

/** The canary template of a service PM2 does not run yet: its ecosystem app, as `pm2 start` runs it. */
function templateOfApp(
  app: StartOptions,
  rolloutEnv: Readonly<Record<string, string | undefined>>,
): CanaryTemplate {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...rolloutEnv, ...(app.env ?? {}) })) {
    if (value !== undefined) env[name] = String(value);
  }
  return {
    service: app.name!,
    script: app.script!,
    cwd: app.cwd ?? process.cwd(),
    nodeArgs: Array.isArray(app.node_args) ? app.node_args : [],
    workerEnv: env,
    listenTimeoutMs: app.listen_timeout,
  };
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
  definition: FleetDefinition,
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
  const fleetList = definition.services;
  const pidsAtStart = new Map(fleet.map((instance) => [instance.pmId, instance.pid]));
  const running = callOrder(fleetList).filter((service) => fleet.some((i) => i.service === service.name));
  const host = hostIdentity(fleet);
  io.say(
    `rollout: ${host}, PM2_HOME=${control.home}, ${fleet.length} instances of ${running.map((s) => s.name).join(', ')}`,
  );

  // Services of the fleet list PM2 does not run yet (one just added): canaried, then started.
  const newServices = callOrder(fleetList)
    .filter((service) => !fleet.some((i) => i.service === service.name))
    .map((service) => service.name);
  let newApps: StartOptions[] = [];
  if (newServices.length > 0) {
    try {
      const apps = definition.apps();
      newApps = newServices.map((name) => apps.find((app) => app.name === name)!);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.complain(`rollout: the fleet list cannot start as it is; nothing was touched:\n${error.message}`);
      return EXIT.usage;
    }
    io.say(`rollout: new in the fleet list, not running yet: ${newServices.join(', ')}; it will be started`);
  }

  io.say('rollout: comparing the build in dist/ with the build each instance runs…');
  const decisions = await decideWhatToRoll(control, fleet, fleetList, rolloutEnv, options.all);
  for (const decision of decisions) io.say(decisionLine(decision));
  const rolled: string[] = decisions.filter((d) => d.roll).map((d) => d.service);
  const unchanged = new Set(decisions.filter((d) => !d.roll).map((d) => d.service));
  if (rolled.length === 0 && newServices.length === 0) {
    io.say(
      `rollout: ${host}: nothing changed: every instance already runs this build; nothing was touched ` +
        '(--all rolls every service anyway)',
    );
    return EXIT.rolledOut;
  }

  const canaried = [...newServices, ...rolled];
  io.say(
    `rollout: starting one canary per service to start or roll (${canaried.join(', ')}) from the new build…`,
  );
  const templates = [
    ...newApps.map((app) => templateOfApp(app, rolloutEnv)),
    ...rolled.map((service) => templateOf(fleet, service)),
  ];
  const canaries = await runCanaries(templates, fleetList, rolloutEnv, {
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

  const limits = {
    settleMs: options.settleMs,
    allowDegraded: options.allowDegraded,
    probeAttempts: (fleet.length + 4) * 20,
    signal,
    fleet: fleetList,
  };
  for (const app of newApps) {
    if (signal.aborted) break;
    // eslint-disable-next-line no-await-in-loop -- each new service after those it calls
    const startProblem = await startAndCheck(control, app, limits, io.say);
    if (startProblem) {
      io.complain(`rollout: STOPPED: could not start ${app.name}: ${startProblem}`);
      io.complain(
        'rollout: the services already running were not touched; fix the build and run the rollout again',
      );
      return EXIT.stepFailed;
    }
  }
  if (signal.aborted) {
    io.complain('rollout: interrupted while starting new services; nothing running was reloaded');
    return EXIT.interrupted;
  }

  io.say('rollout: canaries passed; reloading one instance at a time…');
  const toReload = reloadOrder(
    fleet.filter((instance) => !unchanged.has(instance.service)),
    fleetList,
  );
  const steps: StepRecord[] = await reloadOneByOne(control, toReload, limits, io.say);
  const report = fleetReport(await control.list(), pidsAtStart, steps, unchanged, new Set(newServices));
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
    [
      `rollout: ${host}: done`,
      rolled.length > 0 && unchanged.size === 0 ? '; every instance runs the new build' : '',
      rolled.length > 0 && unchanged.size > 0
        ? `; every instance of ${rolled.join(', ')} runs the new build`
        : '',
      newServices.length > 0 ? `; started ${newServices.join(', ')}` : '',
      unchanged.size > 0 ? `; ${[...unchanged].join(', ')} unchanged, not touched` : '',
      ':',
    ].join(''),
  );
  for (const line of report) io.say(line);
  return EXIT.rolledOut;
}
