import { init, integrations, type LDClient } from '@launchdarkly/node-server-sdk';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { silentLdLogger } from './launchdarkly-double';
import { isLoopbackHost } from './loopback-only';
import { assertNoBlockedConnections, takeBlockedConnections } from './unit-test-setup';

/** Resolves once `server` is listening on `address`: a loopback port, or a Unix socket path. */
function listening(server: net.Server, address: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => resolve());
  });
}

function closed(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('unit tests reach loopback only (the unit project setup)', () => {
  it('tells loopback hosts from every other host', () => {
    const loopback = [
      '127.0.0.1',
      '127.4.5.6',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      'localhost',
    ];
    const elsewhere = ['10.0.0.1', '192.0.2.1', '::ffff:10.0.0.1', '2001:db8::1', 'example.com', 'relay'];

    expect(loopback.filter((host) => !isLoopbackHost(host))).toEqual([]);
    expect(elsewhere.filter((host) => isLoopbackHost(host))).toEqual([]);
  });

  it('a connection anywhere else throws before it starts, in each form Node accepts', () => {
    expect(() => net.connect({ host: '192.0.2.1', port: 80 })).toThrow(
      /^unit tests must not use the network: blocked a connection to 192\.0\.2\.1:80; use TestData/,
    );
    expect(() => new net.Socket().connect(81, '192.0.2.1')).toThrow(/192\.0\.2\.1:81/);
    expect(() => http.get('http://example.com/')).toThrow(/example\.com:80/);

    expect(takeBlockedConnections().map((attempt) => attempt.destination)).toEqual([
      '192.0.2.1:80',
      '192.0.2.1:81',
      'example.com:80',
    ]);
  });

  it('fails the test after it even when the code under test caught the error, naming where and from where', () => {
    try {
      net.connect(443, 'events.launchdarkly.com');
    } catch {
      // Swallowed on purpose, as the SDK does with a failed event post.
    }

    expect(() => assertNoBlockedConnections('This test')).toThrow(
      /^This test tried to reach the network \(events\.launchdarkly\.com:443\); the first attempt:\nError: unit tests must not use the network[^]*loopback-only\.test\.ts/,
    );
    expect(takeBlockedConnections()).toEqual([]);
  });

  it("stops a real SDK client on LaunchDarkly's default endpoints, though the SDK only tells its flush callback", async () => {
    const testData = new integrations.TestData();
    const ld: LDClient = init('sdk-default-endpoints', {
      updateProcessor: testData.getFactory(),
      diagnosticOptOut: true,
      logger: silentLdLogger,
    });
    try {
      await ld.waitForInitialization({ timeout: 5 });
      await ld.boolVariation('f', { kind: 'user', key: 'u' }, false);

      // The SDK retries a failed post once, a second later; flush() settles after the retry.
      // flush() never rejects: it hands the error to its callback.
      const flushError = await new Promise<Error | null>(
        (resolve) => void ld.flush((error) => resolve(error)),
      );

      expect(flushError?.message).toMatch(/must not use the network/);
      expect(takeBlockedConnections().map((attempt) => attempt.destination)).toEqual([
        'events.launchdarkly.com:443',
        'events.launchdarkly.com:443',
      ]);
    } finally {
      ld.close();
    }
  });

  it('lets loopback connections and Unix sockets through', async () => {
    const server = http.createServer((_request, response) => response.end('ok'));
    await listening(server, { port: 0, host: '127.0.0.1' });
    const { port } = server.address() as net.AddressInfo;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loopback-only-'));
    const ipc = net.createServer((socket) => socket.end('ok'));
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const status = await new Promise<number | undefined>((resolve, reject) =>
          http
            .get({ host, port, path: '/', agent: false }, (response) => {
              response.resume();
              resolve(response.statusCode);
            })
            .on('error', reject),
        );
        expect(status).toBe(200);
      }
      const socketPath = path.join(dir, 'ipc.sock');
      await listening(ipc, { path: socketPath });
      const reply = await new Promise<string>((resolve, reject) => {
        let text = '';
        net
          .connect(socketPath)
          .on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
          .on('end', () => resolve(text))
          .on('error', reject);
      });
      expect(reply).toBe('ok');
    } finally {
      await Promise.all([closed(server), closed(ipc)]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
