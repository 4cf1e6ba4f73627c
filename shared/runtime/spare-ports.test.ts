import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { firstEphemeralPort, LOWEST_SPARE_PORT, sparePorts } from './spare-ports';

async function listenOn(address: string, port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: address, exclusive: true }, resolve);
  });
  return server;
}

async function closeAll(servers: readonly net.Server[]): Promise<void> {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
}

describe('spare ports for canaries', () => {
  it('are all different, below the ephemeral range, and free on the address asked for', async () => {
    const ports = await sparePorts('127.0.0.3', 60);
    expect(new Set(ports).size).toBe(60);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(LOWEST_SPARE_PORT);
      expect(port).toBeLessThan(firstEphemeralPort());
    }
    await closeAll(await Promise.all(ports.map((port) => listenOn('127.0.0.3', port))));
  });

  it('with no room below the ephemeral range, come from the OS and are still all different (the OS repeats a port it got back)', async () => {
    const ports = await sparePorts('127.0.0.1', 200, LOWEST_SPARE_PORT + 10);
    expect(new Set(ports).size).toBe(200);
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(firstEphemeralPort());
  });

  it('are never a port something already listens on', async () => {
    // Of the 1,000 lowest spare ports, all but three are taken: those three are the only answer.
    const range = Array.from({ length: 1_000 }, (_, index) => LOWEST_SPARE_PORT + index);
    const held = await Promise.all(range.map((port) => listenOn('127.0.0.1', port).catch(() => undefined)));
    const left = held.flatMap((server, index) => (server ? [index] : [])).slice(0, 3);
    const expected = left.map((index) => range[index]!);
    await closeAll(left.map((index) => held[index]!));
    const taken = held.filter(
      (server, index) => server !== undefined && !left.includes(index),
    ) as net.Server[];
    try {
      const ports = await sparePorts('127.0.0.1', 3, LOWEST_SPARE_PORT + 1_000);
      expect(ports.sort()).toEqual(expected.sort());
    } finally {
      await closeAll(taken);
    }
  });
});

describe('the first ephemeral port', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ephemeral-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is read from the kernel's range", async () => {
    await writeFile(path.join(dir, 'range'), '40000\t60999\n');
    expect(firstEphemeralPort(path.join(dir, 'range'))).toBe(40_000);
  });

  it('is the usual 32768 when the range cannot be read or makes no sense', async () => {
    await writeFile(path.join(dir, 'range'), 'nonsense\n');
    expect(firstEphemeralPort(path.join(dir, 'range'))).toBe(32_768);
    expect(firstEphemeralPort(path.join(dir, 'missing'))).toBe(32_768);
  });
});
