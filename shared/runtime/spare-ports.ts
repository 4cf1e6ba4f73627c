import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Below this, ports are the usual homes of other services (3000, 5432, 8080, 9300…): not spare. */
export const LOWEST_SPARE_PORT = 10_000;
/** Fewer ports than this below the ephemeral range: take them from the OS instead. */
const LEAST_ROOM = 1_000;

/** Where spare ports are looked for: from `from` up to `below`, if that holds `leastRoom` ports. */
export interface SpareRange {
  readonly from?: number;
  readonly below?: number;
  readonly leastRoom?: number;
}

/**
 * Where the OS takes ports for outgoing connections and for `listen(0)` (Linux's
 * `ip_local_port_range`; elsewhere its usual default).
 */
export function firstEphemeralPort(rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): number {
  try {
    const start = Number(readFileSync(rangeFile, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > 1_024 && start <= 65_535 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

/** `address` undefined: every interface, as a server started with no host listens. */
function listenOn(address: string | undefined, port: number): Promise<net.Server | undefined> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: address, exclusive: true }, () => resolve(server));
  });
}

function portOf(server: net.Server): number {
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('a TCP server with no port');
  return bound.port;
}

/**
 * `count` distinct ports of `address` (undefined: every interface) that were all free a moment ago,
 * for a process that will listen on them shortly (a rollout's canaries).
 *
 * They come from below the ephemeral range where there is room: a port the OS handed out and got
 * back is soon handed out again, to the next `listen(0)` or to an outgoing connection, and a
 * canary takes seconds to start. They are held open together until all are found, so no two are
 * the same.
 */
export async function sparePorts(
  address: string | undefined,
  count: number,
  range: SpareRange = {},
): Promise<number[]> {
  const { from = LOWEST_SPARE_PORT, below = firstEphemeralPort(), leastRoom = LEAST_ROOM } = range;
  const held: net.Server[] = [];
  try {
    const room = below - from;
    if (room >= leastRoom) {
      const tried = new Set<number>();
      while (held.length < count && tried.size < room) {
        const port = from + Math.floor(Math.random() * room);
        if (tried.has(port)) continue;
        tried.add(port);
        // eslint-disable-next-line no-await-in-loop -- one port at a time, until enough are held
        const server = await listenOn(address, port);
        if (server) held.push(server);
      }
    }
    while (held.length < count) {
      // eslint-disable-next-line no-await-in-loop -- the OS's own choice, held so it is not repeated
      const server = await listenOn(address, 0);
      if (!server) throw new Error(`cannot listen on ${address ?? 'every interface'}: no spare port`);
      held.push(server);
    }
    return held.map(portOf);
  } finally {
    await Promise.all(held.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
