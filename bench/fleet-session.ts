import path from 'node:path';

type ServiceName = 'gateway' | 'catalog' | 'pricing';
import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../test/support/fleet-flags';
import { startLaunchDarklyDouble, type LaunchDarklyDouble } from '../test/support/launchdarkly-double';
import { createFleet, type Fleet } from '../test/support/pm2-fleet';
import { sleep } from './stats';

/** Which integration runs: the fleet's, or the naive tutorial one (bench/baselines/naive). */
export type Variant = 'ours' | 'naive';

export interface SessionOptions {
  readonly variant: Variant;
  /** Instances per service. */
  readonly instances: number;
  /** Ours only: start just these services (`--only`); default the whole fleet. */
  readonly only?: readonly ServiceName[];
}

/** A fresh LaunchDarkly double and one fleet pointed at it, started and timed. */
export interface Session {
  readonly variant: Variant;
  readonly double: LaunchDarklyDouble;
  readonly fleet: Fleet;
  /** From `pm2 start` until PM2 lists every instance online. */
  readonly startMs: number;
  /** Instances started. */
  readonly processes: number;
  /** Where the service that evaluates `catalog-sort` answers (ours: catalog; naive: itself). */
  readonly catalogUrl: string;
  close(): Promise<void>;
}

/** Compiled next to this file: dist/bench/ → the project's bench/baselines/naive/. */
const NAIVE_ECOSYSTEM = path.join(
  __dirname,
  '..',
  '..',
  'bench',
  'baselines',
  'naive',
  'ecosystem.config.js',
);

async function waitUntilOnline(fleet: Fleet, processes: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const listed = await fleet.list();
    const online = listed.filter((instance) => instance.pm2_env.status === 'online').length;
    if (listed.length === processes && online === processes) return;
    if (performance.now() > deadline) {
      const others = listed
        .filter((instance) => instance.pm2_env.status !== 'online')
        .map(
          (instance) =>
            `${instance.name} pm_id=${instance.pm_id} ${instance.pm2_env.status}, ${instance.pm2_env.restart_time} restarts`,
        );
      throw new Error(
        `after ${timeoutMs} ms, ${online} of ${processes} instances are online (${others.join('; ')})\n` +
          `PM2 log: ${(await fleet.daemonLog()).slice(-2_000)}`,
      );
    }
    await sleep(20);
  }
}

export async function startSession(options: SessionOptions): Promise<Session> {
  const double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
  let fleet: Fleet | undefined;
  try {
    const services = options.variant === 'naive' ? 1 : (options.only?.length ?? 3);
    const processes = services * options.instances;
    fleet = await createFleet({
      instances: options.instances,
      env: launchDarklyEnv(double),
      ...(options.variant === 'naive' ? { ecosystemFile: NAIVE_ECOSYSTEM } : {}),
      ...(options.only ? { only: options.only } : {}),
    });
    const startedAt = performance.now();
    await fleet.start();
    await waitUntilOnline(fleet, processes, 120_000);
    const startMs = performance.now() - startedAt;
    // Measurements begin once every instance has its flags, whenever it told PM2 it was ready.
    await double.waitForStreams(processes, 60_000, (stream) => stream.putAt !== undefined);
    const running = fleet;
    return {
      variant: options.variant,
      double,
      fleet: running,
      startMs,
      processes,
      catalogUrl: running.url('catalog', ''),
      async close() {
        try {
          await running.destroy();
        } finally {
          await double.close();
        }
      },
    };
  } catch (error) {
    await fleet?.destroy();
    await double.close();
    throw error;
  }
}

/** Runs `use` on a started session and always tears it down. */
export async function withSession<T>(
  options: SessionOptions,
  use: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await startSession(options);
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}
