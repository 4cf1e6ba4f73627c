import net from 'node:net';

import { firstEphemeralPort, LOWEST_SPARE_PORT, sparePorts } from '../../shared/runtime';

// A port handed out from the ephemeral range can be taken by any client socket between the check
// and the listen, so test ports come from below it.
const LOWEST_PORT = LOWEST_SPARE_PORT;
const FIRST_EPHEMERAL = firstEphemeralPort();

function assertRoom(): void {
  if (FIRST_EPHEMERAL - LOWEST_PORT < 1_000) {
    throw new Error(
      `the ephemeral range starts at ${FIRST_EPHEMERAL} (ip_local_port_range): too little room for test ports from ${LOWEST_PORT}`,
    );
  }
}

function randomPort(room: number): number {
  assertRoom();
  return LOWEST_PORT + Math.floor(Math.random() * (FIRST_EPHEMERAL - LOWEST_PORT - room));
}

/** A loopback port that was free a moment ago, outside the range outgoing connections use. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** Several distinct loopback ports that were free a moment ago, outside that range. */
export async function freePorts(count: number): Promise<number[]> {
  assertRoom();
  return sparePorts('127.0.0.1', count, { from: LOWEST_PORT, below: FIRST_EPHEMERAL });
}

/** Whether `address:port` can be listened on right now. */
export function canListenOn(address: string, port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive ports that were all free a moment ago, clear of `avoid`. */
export async function freePortRange(count: number, avoid: readonly number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const first = randomPort(count);
    const range = Array.from({ length: count }, (_, index) => first + index);
    if (range.some((port) => avoid.includes(port))) continue;
    if ((await Promise.all(range.map((port) => canListenOn('127.0.0.1', port)))).every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
