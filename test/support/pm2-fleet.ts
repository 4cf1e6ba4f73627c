import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { findProjectRoot } from '../../shared/config';

export type ServiceName = 'gateway' | 'catalog' | 'pricing';
import { freePortRange, freePorts } from './free-port';

const run = promisify(execFile);
const projectRoot = findProjectRoot(__dirname);
const pm2Bin = path.join(projectRoot, 'node_modules', 'pm2', 'bin', 'pm2');

async function runPm2(args: readonly string[], env: NodeJS.ProcessEnv, cwd = projectRoot): Promise<string> {
  const { stdout } = await run(process.execPath, [pm2Bin, ...args], {
    cwd,
    env,
    maxBuffer: 16 << 20,
  });
  return stdout;
}

/** One instance as `pm2 jlist` describes it. */
export interface Pm2Instance {
  readonly name: string;
  readonly pm_id: number;
  readonly pid: number;
  readonly pm2_env: {
    readonly status: string;
    readonly restart_time: number;
    readonly NODE_APP_INSTANCE?: number | string;
    readonly pm_out_log_path: string;
    /** Epoch ms PM2 (re)started this process. */
    readonly pm_uptime?: number;
    /** The custom metrics the instance published (axm:monitor), as `pm2 show` displays them. */
    readonly axm_monitor?: Readonly<Record<string, { readonly value: unknown; readonly unit?: string }>>;
  };
  /** What PM2 measured of the process when the list was taken (memory: RSS in bytes). */
  readonly monit?: { readonly memory: number; readonly cpu: number };
}

export interface FleetOptions {
  /** Instances per service (FLEET_INSTANCES). */
  readonly instances?: number;
  /** Extra environment for every service (LaunchDarkly endpoints, timeouts…). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Where the fleet's ecosystem.config.js and dist/ are: the repository by default, or a copy of it
   * (test/support/project-copy.ts) that a test may break without touching the repository's build.
   */
  readonly projectRoot?: string;
  /**
   * Another ecosystem file to start instead of the project's (the benchmark's naive baseline); it
   * reads the same environment (ports, FLEET_INSTANCES).
   */
  readonly ecosystemFile?: string;
  /** Start and reload only these apps of the ecosystem (`--only`). */
  readonly only?: readonly string[];
  /**
   * False: leave the daemon for the first PM2 command to launch (a test that starts the fleet through
   * npm, so the daemon runs on the Node.js npm's scripts use). True by default.
   */
  readonly launchDaemon?: boolean;
  /**
   * BIND_ADDRESS: a test host on a loopback alias (127.0.0.2, …). Several hosts then share the same
   * ports (`ports`, `metricsPorts`), each with its own PM2 daemon.
   */
  readonly bindAddress?: string;
  readonly ports?: Readonly<Record<ServiceName, number>>;
  readonly metricsPorts?: Readonly<Record<ServiceName, number>>;
}

/** How a command the test ran ended. */
export interface CommandResult {
  /** Null when it was killed by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Fleet {
  readonly home: string;
  /** Where its ports listen and are reached: BIND_ADDRESS, 127.0.0.1 by default. */
  readonly address: string;
  /** The environment every command of this fleet runs with (PM2_HOME, ports, BIND_ADDRESS…). */
  readonly env: NodeJS.ProcessEnv;
  /** `pm2 start ecosystem.config.js`; resolves when PM2 has every instance online. */
  start(): Promise<void>;
  readonly ports: Readonly<Record<ServiceName, number>>;
  /** Each service's first metrics port; instance n serves /metrics on base + n. */
  readonly metricsPorts: Readonly<Record<ServiceName, number>>;
  /** Runs the project's own pm2 CLI against this fleet's private PM2_HOME. */
  pm2(...args: string[]): Promise<string>;
  list(): Promise<Pm2Instance[]>;
  /** Every stdout line each instance wrote, by pm_id, read from PM2's per-instance log files. */
  outLines(): Promise<Map<number, string[]>>;
  /** The daemon's own log ($PM2_HOME/pm2.log). */
  daemonLog(): Promise<string>;
  url(service: ServiceName, pathAndQuery: string): string;
  /** `npm run status` (the compiled script) against this fleet's PM2_HOME; never throws on exit code. */
  status(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `pm2 reload ecosystem.config.js`, with extra environment for this command (e.g. PM2_CONCURRENT_ACTIONS). */
  reload(extraEnv?: Readonly<Record<string, string>>): Promise<string>;
  /**
   * The guarded rollout (`node dist/scripts/rollout/main.js`, what `npm run rollout` runs after the
   * build) of this fleet's project, with the fleet's environment plus `extraEnv`; never rejects on a
   * non-zero exit. Killed after `timeoutMs`.
   */
  rollout(
    args?: readonly string[],
    extraEnv?: Readonly<Record<string, string>>,
    timeoutMs?: number,
  ): Promise<CommandResult>;
  /** Kills the daemon (which stops every instance) and removes PM2_HOME; safe to call more than once. */
  destroy(): Promise<void>;
}

export function runNode(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs: number,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Free service ports and metrics port ranges for a fleet of `instances` per service. */
export async function fleetPorts(instances: number): Promise<{
  ports: Record<ServiceName, number>;
  metricsPorts: Record<ServiceName, number>;
}> {
  const [gateway, catalog, pricing] = await freePorts(3);
  const ports = { gateway: gateway!, catalog: catalog!, pricing: pricing! };
  const metricsPorts = { gateway: 0, catalog: 0, pricing: 0 };
  const taken = [gateway!, catalog!, pricing!];
  for (const service of ['gateway', 'catalog', 'pricing'] as const) {
    metricsPorts[service] = await freePortRange(instances, taken);
    taken.push(...Array.from({ length: instances }, (_, index) => metricsPorts[service] + index));
  }
  return { ports, metricsPorts };
}

/**
 * Starts the whole fleet the way a user does (`pm2 start ecosystem.config.js` on the compiled
 * dist/), with a private PM2_HOME and free ports, so tests never touch the user's own PM2.
 * If start-up fails, the daemon is killed before the error is thrown.
 */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const fleet = await createFleet(options); // its daemon is already up
  await fleet.start();
  return fleet;
}

/** A fleet with its PM2_HOME, ports and daemon ready and no app started yet (to watch it start). */
export async function createFleet(options: FleetOptions = {}): Promise<Fleet> {
  const root = options.projectRoot ?? projectRoot;
  const ecosystem = options.ecosystemFile ?? path.join(root, 'ecosystem.config.js');
  const only = options.only?.length ? ['--only', options.only.join(',')] : [];
  if (!existsSync(path.join(root, 'dist', 'services', 'gateway', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the end-to-end tests');
  }
  const home = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-pm2-'));
  const instances = options.instances ?? 2;
  const { ports, metricsPorts } =
    options.ports && options.metricsPorts
      ? { ports: options.ports, metricsPorts: options.metricsPorts }
      : await fleetPorts(instances);
  const address = options.bindAddress ?? '127.0.0.1';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PM2_HOME: home,
    FLEET_INSTANCES: String(instances),
    GATEWAY_PORT: String(ports.gateway),
    CATALOG_PORT: String(ports.catalog),
    PRICING_PORT: String(ports.pricing),
    GATEWAY_METRICS_PORT: String(metricsPorts.gateway),
    CATALOG_METRICS_PORT: String(metricsPorts.catalog),
    PRICING_METRICS_PORT: String(metricsPorts.pricing),
    ...(options.bindAddress === undefined ? {} : { BIND_ADDRESS: options.bindAddress }),
    ...options.env,
  };

  let destroyed = false;
  const fleet: Fleet = {
    home,
    address,
    env,
    ports,
    metricsPorts,
    pm2: (...args) => runPm2(args, env, root),
    reload: (extraEnv = {}) => runPm2(['reload', ecosystem, ...only], { ...env, ...extraEnv }, root),
    rollout: (args = [], extraEnv = {}, timeoutMs = 120_000) =>
      runNode(
        [path.join(root, 'dist', 'scripts', 'rollout', 'main.js'), ...args],
        { ...env, ...extraEnv },
        root,
        timeoutMs,
      ),
    async list() {
      return JSON.parse(await fleet.pm2('jlist')) as Pm2Instance[];
    },
    async outLines() {
      const byId = new Map<number, string[]>();
      const logDir = path.join(home, 'logs');
      for (const file of await readdir(logDir)) {
        const match = /-out-(\d+)\.log$/.exec(file);
        if (!match) continue;
        const text = await readFile(path.join(logDir, file), 'utf8');
        byId.set(Number(match[1]), text.split('\n').filter(Boolean));
      }
      return byId;
    },
    async daemonLog() {
      return readFile(path.join(home, 'pm2.log'), 'utf8').catch(() => '');
    },
    url: (service, pathAndQuery) => `http://${address}:${ports[service]}${pathAndQuery}`,
    async status(...args) {
      // Only PM2_HOME, PATH and HOME: the command must not need the fleet's configuration.
      const script = path.join(root, 'dist', 'scripts', 'fleet-status.js');
      try {
        const { stdout, stderr } = await run(process.execPath, [script, ...args], {
          cwd: projectRoot,
          env: { PATH: env.PATH, HOME: env.HOME, PM2_HOME: home },
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code?: unknown; stdout?: string; stderr?: string };
        if (typeof failed.code !== 'number') throw error;
        return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
      }
    },
    async start() {
      try {
        await fleet.pm2('start', ecosystem, ...only);
      } catch (error) {
        const daemonLog = await fleet.daemonLog();
        await fleet.destroy();
        throw new Error(`pm2 start failed: ${String(error)}\n${daemonLog.slice(-4000)}`);
      }
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await fleet.pm2('kill').catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };

  // Launch the daemon now: a `pm2 jlist` racing `pm2 start` to launch it would hang both.
  if (options.launchDaemon === false) return fleet;
  try {
    await fleet.pm2('ping');
  } catch (error) {
    await fleet.destroy();
    throw error;
  }
  return fleet;
}
