import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { freePortRange } from '../../test/support/free-port';
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

  it('with no room below the ephemeral range, come from the OS, held together so that none is handed out twice', async () => {
    const ports = await sparePorts('127.0.0.1', 200, { below: LOWEST_SPARE_PORT + 10 });
    expect(new Set(ports).size).toBe(200);
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(firstEphemeralPort());
  });

  it('are never a port something already listens on', async () => {
    // A window of 20 free ports, all but three then taken: those three are the only answer.
    const from = await freePortRange(20);
    const window = Array.from({ length: 20 }, (_, index) => from + index);
    const servers = await Promise.all(window.map((port) => listenOn('127.0.0.1', port)));
    const left = [3, 11, 17];
    await closeAll(left.map((index) => servers[index]!));
    const taken = servers.filter((_, index) => !left.includes(index));
    try {
      const ports = await sparePorts('127.0.0.1', 3, { from, below: from + 20, leastRoom: 1 });
      expect(ports.sort()).toEqual(left.map((index) => window[index]!).sort());
    } finally {
      await closeAll(taken);
    }
  });

  it('on every interface (no BIND_ADDRESS) are not a port that one address already listens on', async () => {
    const from = await freePortRange(4);
    const taken = await listenOn('127.0.0.5', from + 1);
    try {
      const ports = await sparePorts(undefined, 3, { from, below: from + 4, leastRoom: 1 });
      expect(ports.sort()).toEqual([from, from + 2, from + 3]);
    } finally {
      await closeAll([taken]);
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
