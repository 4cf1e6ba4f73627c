import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Where the OS takes source ports for outgoing connections (Linux; elsewhere its usual default). A
 * port handed out from that range can be taken by any client socket between the check and the
 * listen, so test ports come from below it.
 */
function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const start = Number(low);
    return Number.isInteger(start) && start > 12_000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

const LOWEST_PORT = 10_000;
const FIRST_EPHEMERAL = ephemeralRangeStart();

function randomPort(room = 1): number {
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
