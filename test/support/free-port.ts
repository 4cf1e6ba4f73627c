import net from 'node:net';

import { firstEphemeralPort, LOWEST_SPARE_PORT } from '../../shared/runtime';

// A port handed out from the ephemeral range can be taken by any client socket between the check
// and the listen, so test ports come from below it.
const LOWEST_PORT = LOWEST_SPARE_PORT;
const FIRST_EPHEMERAL = firstEphemeralPort();

function randomPort(room = 1): number {
  if (FIRST_EPHEMERAL - LOWEST_PORT < 1_000) {
    throw new Error(
      `the ephemeral range starts at ${FIRST_EPHEMERAL} (ip_local_port_range): too little room for test ports from ${LOWEST_PORT}`,
    );
  }
  return LOWEST_PORT + Math.floor(Math.random() * (FIRST_EPHEMERAL - LOWEST_PORT - room));
}

/** A loopback port that was free a moment ago, outside the range outgoing connections use. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = randomPort();
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found from ${LOWEST_PORT} to ${FIRST_EPHEMERAL - 1}`);
}

/** Several distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

async function canListen(port: number): Promise<boolean> {
  const server = net.createServer();
  const free = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (free) await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

/** The first of `count` consecutive ports that were all free a moment ago, clear of `avoid`. */
export async function freePortRange(count: number, avoid: readonly number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const first = randomPort(count);
    const range = Array.from({ length: count }, (_, index) => first + index);
    if (range.some((port) => avoid.includes(port))) continue;
    if ((await Promise.all(range.map(canListen))).every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
