import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { findProjectRoot } from '../../shared/config';
import { startBalancedLoad, type BalancedLoad } from '../../test/support/balanced-load';
import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../../test/support/fleet-flags';
import { createHosts, stopHost } from '../../test/support/fleet-hosts';
import { freePort } from '../../test/support/free-port';
import { startHaproxy, type Haproxy } from '../../test/support/haproxy';
import { startLaunchDarklyDouble, type LaunchDarklyDouble } from '../../test/support/launchdarkly-double';
import type { LoadSummary } from '../../test/support/load-client';
import type { Fleet } from '../../test/support/pm2-fleet';
import { sleep } from '../stats';
import { measurePropagation, type PropagationResult } from './propagation';

/** Failed and total requests of one kind. */
export interface Counted {
  readonly failed: number;
  readonly total: number;
  readonly failures: Readonly<Record<string, number>>;
}

export interface LoadCounts {
  readonly get: Counted;
  readonly post: Counted;
}

/** What one side (new behaviour, or today's) measured on 2 hosts behind HAProxy. */
export interface MultiHostSide {
  /** Each host in turn through `npm run rollout -- --all` (new side only). */
  readonly rollBoth?: LoadCounts;
  /** Host 1 stopped (new: `npm run drain`; today: `pm2 delete ecosystem.config.js`), started again. */
  readonly stopAndStart: LoadCounts;
  /** Host 1's daemon and every worker SIGKILLed at once. */
  readonly sigkill: LoadCounts;
  /** Flag propagation to every catalog instance of both hosts (new side only). */
  readonly propagation?: PropagationResult;
}

export interface MultiHostOptions {
  readonly instances: number;
  /** Load before and after each change. */
  readonly settleMs: number;
  readonly propagationChanges: number;
}

const projectRoot = findProjectRoot(__dirname);
const ECOSYSTEM = path.join(projectRoot, 'ecosystem.config.js');

function counted(summary: LoadSummary<undefined>): Counted {
  return { failed: summary.failed, total: summary.total, failures: summary.failures };
}

async function underLoad(
  haproxy: Haproxy,
  settleMs: number,
  change: () => Promise<void>,
): Promise<LoadCounts> {
  const load: BalancedLoad = startBalancedLoad(haproxy.baseUrl, 3, 30 * 60_000);
  let failure: unknown;
  try {
    await sleep(settleMs);
    await change();
    await sleep(settleMs);
  } catch (error) {
    failure = error;
  }
  const summary = await load.stop();
  if (failure !== undefined) throw failure;
  return { get: counted(summary.get), post: counted(summary.post) };
}

/** SIGKILL to the host's daemon and every worker at the same moment: a host that just dies. */
async function killWholeHost(host: Fleet): Promise<void> {
  const daemonPid = Number((await readFile(path.join(host.home, 'pm2.pid'), 'utf8')).trim());
  const workers = (await host.list()).map((instance) => instance.pid).filter((pid) => pid > 0);
  for (const pid of [daemonPid, ...workers]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function onHosts<T>(
  drainDelayMs: number,
  options: MultiHostOptions,
  body: (hosts: Fleet[], haproxy: Haproxy, double: LaunchDarklyDouble) => Promise<T>,
): Promise<T> {
  const double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
  let hosts: Fleet[] = [];
  let haproxy: Haproxy | undefined;
  try {
    hosts = await createHosts(2, {
      instances: options.instances,
      env: { ...launchDarklyEnv(double), DRAIN_DELAY_MS: String(drainDelayMs) },
    });
    for (const host of hosts) await host.start();
    haproxy = await startHaproxy({
      listen: `127.0.0.1:${await freePort()}`,
      hosts: hosts.map((host) => `${host.address}:${host.ports.gateway}`),
    });
    return await body(hosts, haproxy, double);
  } finally {
    await haproxy?.stop();
    await Promise.all(hosts.map((host) => host.destroy()));
    await double.close();
  }
}

/**
 * The multi-host section: 2 hosts × (3 services × `instances`) behind HAProxy (the shipped example
 * config), GET and POST keep-alive load that never retries, counted apart. New behaviour:
 * DRAIN_DELAY_MS 1500 and `npm run drain`; today's: DRAIN_DELAY_MS 0 and `pm2 delete ecosystem.config.js`.
 */
export async function measureMultiHost(
  options: MultiHostOptions,
  progress: (message: string) => void,
): Promise<{ ours: MultiHostSide; today: MultiHostSide }> {
  const side = (drainDelayMs: number, ours: boolean) =>
    onHosts(drainDelayMs, options, async (hosts, haproxy, double) => {
      const [one, two] = hosts as [Fleet, Fleet];
      let rollBoth: LoadCounts | undefined;
      let propagation: PropagationResult | undefined;
      if (ours) {
        progress('multi-host: rolling both hosts, one after the other (npm run rollout -- --all)');
        rollBoth = await underLoad(haproxy, options.settleMs, async () => {
          for (const host of hosts) {
            const result = await host.rollout(['--all'], {}, 600_000);
            if (result.code !== 0)
              throw new Error(`rollout on ${host.address} exited ${result.code}: ${result.stderr}`);
          }
        });
        progress('multi-host: flag propagation to every catalog instance of both hosts');
        propagation = await measurePropagation({
          double,
          baseUrl: one.url('catalog', ''),
          otherHostUrls: [two.url('catalog', '')],
          instances: options.instances,
          changes: options.propagationChanges,
        });
      }
      progress(`multi-host (${ours ? 'ours' : 'today'}): host 1 stopped, started again`);
      const stopAndStart = await underLoad(haproxy, options.settleMs, async () => {
        if (ours) {
          const result = await stopHost(one);
          if (result.code !== 0) throw new Error(`npm run drain exited ${result.code}: ${result.stderr}`);
        } else {
          await one.pm2('delete', ECOSYSTEM);
        }
        await haproxy.waitForServer('host1', 'DOWN');
        await one.pm2('start', ECOSYSTEM);
        await haproxy.waitForServer('host1', 'UP', 120_000);
      });
      progress(`multi-host (${ours ? 'ours' : 'today'}): host 1 SIGKILLed whole`);
      const sigkill = await underLoad(haproxy, options.settleMs, async () => {
        await killWholeHost(one);
        await haproxy.waitForServer('host1', 'DOWN');
      });
      return { rollBoth, stopAndStart, sigkill, propagation };
    });
  return { ours: await side(1_500, true), today: await side(0, false) };
}
