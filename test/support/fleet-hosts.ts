import path from 'node:path';

import { findProjectRoot } from '../../shared/config';

import { canListenOn } from './free-port';
import {
  createFleet,
  fleetPorts,
  runNode,
  type CommandResult,
  type Fleet,
  type FleetOptions,
  type ServiceName,
} from './pm2-fleet';

/** Loopback aliases that stand for the hosts of a multi-host fleet (Linux routes 127/8 to lo). */
export const HOST_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;

/** Service and metrics ports free on every one of `addresses`, so every host can use the same. */
export async function portsFreeOnEvery(addresses: readonly string[], instances: number) {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const candidate = await fleetPorts(instances);
    const all = (Object.keys(candidate.ports) as ServiceName[]).flatMap((service) => [
      candidate.ports[service],
      ...Array.from({ length: instances }, (_, index) => candidate.metricsPorts[service] + index),
    ]);

    const free = await Promise.all(
      addresses.flatMap((address) => all.map((port) => canListenOn(address, port))),
    );
    if (free.every(Boolean)) return candidate;
  }
  throw new Error(`no set of ports free on every one of ${addresses.join(', ')}`);
}

/**
 * Test hosts on one machine: one fleet per loopback alias, each with its own PM2 daemon (PM2_HOME)
 * running the unchanged ecosystem.config.js with BIND_ADDRESS set, all on the same ports, as real
 * hosts would be. Not started: call `start()` on each (or start it another way, e.g. pm2-runtime).
 */
export async function createHosts(count: number, options: FleetOptions = {}): Promise<Fleet[]> {
  const addresses = HOST_ADDRESSES.slice(0, count);
  const instances = options.instances ?? 2;
  const { ports, metricsPorts } = await portsFreeOnEvery(addresses, instances);
  const hosts: Fleet[] = [];
  try {
    for (const address of addresses) {
      hosts.push(await createFleet({ ...options, instances, bindAddress: address, ports, metricsPorts }));
    }
  } catch (error) {
    await Promise.all(hosts.map((host) => host.destroy()));
    throw error;
  }
  return hosts;
}

/** `npm run drain` (or `npm run fleet:stop` with `--delete`) on one host: the compiled script, its env. */
export function stopHost(host: Fleet, ...args: string[]): Promise<CommandResult> {
  const root = findProjectRoot(__dirname);
  return runNode(
    [path.join(root, 'dist', 'scripts', 'host-stop', 'main.js'), ...args],
    host.env,
    root,
    120_000,
  );
}
