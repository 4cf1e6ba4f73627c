import { readFileSync } from 'node:fs';
import net from 'node:net';

import { freePort, freePortRange, freePorts } from './free-port';

const firstEphemeral = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
);

async function listenOn(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

describe('free ports for tests', () => {
  it('come from below the range outgoing connections take their source ports from, and can be listened on', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(firstEphemeral);
    }
    const server = await listenOn(await freePort());
    server.close();
  });

  it('come as a run of consecutive ports, all free and clear of the ones to avoid', async () => {
    const avoid = await freePorts(3);
    const first = await freePortRange(8, avoid);
    const range = Array.from({ length: 8 }, (_, index) => first + index);
    expect(range.some((port) => avoid.includes(port))).toBe(false);
    expect(range.at(-1)).toBeLessThan(firstEphemeral);
    const servers = await Promise.all(range.map(listenOn));
    for (const server of servers) server.close();
  });
});
