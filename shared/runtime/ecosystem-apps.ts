import os from 'node:os';
import path from 'node:path';

import { ConfigError, readConfig, withoutEmptyValues, type Env } from '../config';
import { callOrder, fleetProblems, planFleet, type AnyServiceManifest } from '../fleet';
import { pm2Config } from './pm2-config';
import { SHARED_CONFIG_PARTS, loadServiceConfig, serviceVariables } from './service-config';

/**
 * What PM2 runs every instance with unless its manifest says otherwise. `--max-semi-space-size=1` (MB):
 * V8 in Node.js 24 and 26 keeps the young generation that start-up grew (16 MB) through idle time, where
 * Node.js 20 and 22 give it back; the cap saves about 13 MB of RSS per idle instance. What it costs in throughput
 * is measured beside it by the benchmark (docs/performance.md).
 */
export const DEFAULT_NODE_ARGS: readonly string[] = ['--enable-source-maps', '--max-semi-space-size=1'];

/** One app of ecosystem.config.js. */
export interface EcosystemApp {
  readonly name: string;
  readonly script: string;
  readonly cwd: string;
  readonly [option: string]: unknown;
}

/**
 * Each app's `env` block: every variable the service reads that `env` sets, an empty one included
 * (empty means "back to the default"), except NODE_APP_INSTANCE, which PM2 sets per instance.
 *
 * On PM2 7.0.4 `pm2 reload ecosystem.config.js` makes this block the instance's whole `env` and drops
 * the caller's shell, `--update-env` or not: lib/API.js 1060-1076 sends the block as `current_conf`,
 * and lib/God/Reload.js 288-289 extends the instance's `env` with the shell, then lets `current_conf`
 * replace it. So only what is here reaches the new workers; a variable left out keeps the value the
 * instance has (the top-level `pm2_env` fields, which the new worker is cloned from).
 */
export function ecosystemEnv(variables: readonly string[], env: Env): Record<string, string> {
  const block: Record<string, string> = {};
  for (const name of variables) {
    const value = env[name];
    if (value !== undefined && name !== 'NODE_APP_INSTANCE') block[name] = value;
  }
  return block;
}

/**
 * ecosystem.config.js's apps: one per service of the fleet list, from its manifest and the validated
 * configuration the services use. Checks the fleet as a whole first (names, ports, metrics ranges,
 * calls), then each service's configuration; throws a ConfigError whose every line starts with the
 * service it is about (or the shared variable), so a broken list stops `pm2 start` instead of
 * crash-looping.
 */
export function ecosystemApps(
  fleet: readonly AnyServiceManifest[],
  env: Env,
  buildRoot: string,
): EcosystemApp[] {
  const problems: string[] = [];
  let fleetInstances: number | 'max' = 2;
  try {
    ({ fleetInstances } = readConfig(env, { pm2: pm2Config }).pm2);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const cpus = os.availableParallelism();
  const defaultInstances = fleetInstances === 'max' ? cpus : fleetInstances;
  const plan = planFleet(fleet, env, defaultInstances, cpus);
  problems.push(...plan.problems, ...fleetProblems(plan.services));

  // The shared variables once, then each service's own, prefixed with its name.
  let timings: ReturnType<typeof loadServiceConfig>['timings'] | undefined;
  try {
    readConfig(env, SHARED_CONFIG_PARTS);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const sharedProblems = new Set(problems);
  const killTimeouts = new Map<string, number>();
  for (const manifest of fleet) {
    try {
      timings = loadServiceConfig(withoutEmptyValues(env), manifest, fleet).timings;
      killTimeouts.set(manifest.name, timings.killTimeoutMs);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) {
        if (!sharedProblems.has(problem)) problems.push(`${manifest.name}: ${problem}`);
      }
    }
  }
  if (problems.length > 0 || timings === undefined) throw new ConfigError([...new Set(problems)]);

  // Callees first, the edge last: PM2 starts the apps in this order, two at a time, and a caller up
  // before its callees would answer with 502 (it waits for its callees only a few seconds).
  return callOrder(fleet).map((manifest): EcosystemApp => {
    const { pm2 = {} } = manifest;
    return {
      name: manifest.name,
      script: path.join(buildRoot, 'services', manifest.name, 'main.js'),
      cwd: path.dirname(buildRoot),
      // Cluster mode ignores `interpreter`: PM2 runs the compiled JavaScript.
      exec_mode: 'cluster',
      instances: pm2.instances ?? fleetInstances,
      node_args: [...(pm2.node_args ?? DEFAULT_NODE_ARGS)],
      // Online only after flags are in and the port is bound (the service sends 'ready').
      wait_ready: true,
      listen_timeout: timings!.listenTimeoutMs,
      // SIGKILL only after the service had its whole stop: on a whole-host stop the drain delay and
      // the wait for its callers too (fleet-timings.ts), so each service has its own.
      kill_timeout: killTimeouts.get(manifest.name) ?? timings!.killTimeoutMs,
      // pm2 stop/delete/kill and pm2-runtime send the 'shutdown' message: a whole-host stop, which
      // leaves the load balancer first. A reload still sends SIGINT (PM2 never sends the message to
      // the old worker) and drains at once (stop-kind.ts).
      shutdown_with_message: true,
      // A crashing build backs off instead of spinning, and gives up after max_restarts.
      exp_backoff_restart_delay: 100,
      min_uptime: pm2.min_uptime ?? 5_000,
      max_restarts: pm2.max_restarts ?? 10,
      max_memory_restart: pm2.max_memory_restart ?? '512M',
      autorestart: true,
      watch: false,
      // One log file per instance ($PM2_HOME/logs/<service>-out-<pm_id>.log); lines carry their own time.
      merge_logs: false,
      // Each instance serves /metrics on <NAME>_METRICS_PORT + NODE_APP_INSTANCE (see service-config).
      // Not `increment_var`: `pm2 reload ecosystem.config.js` resets the variable to its base.
      env: { ...ecosystemEnv(serviceVariables(manifest, fleet), env), NODE_ENV: 'development' },
      env_production: { NODE_ENV: 'production', LOG_FORMAT: 'json' },
    };
  });
}
