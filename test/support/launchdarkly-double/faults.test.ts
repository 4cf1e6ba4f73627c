import { LDTimeoutError, type LDClient } from '@launchdarkly/node-server-sdk';
import http from 'node:http';

import {
  booleanFlag,
  capturingLdLogger,
  nextUpdate,
  SdkClients,
  startLaunchDarklyDouble,
  type LaunchDarklyDouble,
} from './index';

const SDK_KEY = 'sdk-test-faults';
const user = { kind: 'user', key: 'u-1' };

/** The error code of a plain GET to `url`, or 'ok' if it got an answer. */
function probe(url: string): Promise<string> {
  return new Promise((resolve) => {
    const request = http.get(`${url}/sdk/latest-all`, { agent: false }, (response) => {
      response.resume();
      resolve('ok');
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('LaunchDarkly double: fault switches against the real SDK', () => {
  const clients = new SdkClients();
  let double: LaunchDarklyDouble;

  beforeEach(async () => {
    double = await startLaunchDarklyDouble({ sdkKey: SDK_KEY, flags: [booleanFlag('kill-switch', true)] });
  });

  afterEach(async () => {
    clients.closeAll();
    await double.close();
  });

  async function readyClient(): Promise<LDClient> {
    const client = clients.start(double);
    await client.waitForInitialization({ timeout: 2 });
    return client;
  }

  it('answers a wrong SDK key with 401, and the SDK rejects waitForInitialization at once', async () => {
    const client = clients.start(double, { sendEvents: false }, 'sdk-wrong-key');
    const failed = new Promise<Error>((resolve) => client.once('failed', resolve));
    const startedAt = performance.now();

    await expect(client.waitForInitialization({ timeout: 60 })).rejects.toThrow(/Authentication failed/);

    // Before half its timeout: it failed on the 401, it did not time out.
    expect(performance.now() - startedAt).toBeLessThan(30_000);
    expect((await failed).message).toMatch(/Authentication failed/);
    expect(double.streams()).toEqual([expect.objectContaining({ status: 401 })]);
    expect(await client.boolVariation('kill-switch', user, false)).toBe(false);
  });

  it('refuses streams with 503 and the SDK retries until it gets a put', async () => {
    double.faults.stream = 503;
    const client = clients.start(double);

    await double.waitForStreams(2, 2000, (stream) => stream.status === 503);
    expect(client.initialized()).toBe(false);
    double.faults.stream = 'ok';
    await client.waitForInitialization({ timeout: 2 });

    const statuses = double.streams().map((stream) => stream.status);
    expect(statuses.slice(0, 2)).toEqual([503, 503]);
    expect(statuses.at(-1)).toBe(200);
    expect(await client.boolVariation('kill-switch', user, false)).toBe(true);
  });

  it('a 401 set as a stream fault makes the SDK give up even with the right key', async () => {
    double.faults.stream = 401;
    const client = clients.start(double, { sendEvents: false });

    await expect(client.waitForInitialization({ timeout: 2 })).rejects.toThrow(/Authentication failed/);
    expect(double.streams().map((stream) => stream.status)).toEqual([401]);
  });

  it('cutStreams destroys the open stream and the SDK reconnects with the same instance id', async () => {
    const logs = capturingLdLogger();
    const client = clients.start(double, { logger: logs.logger });
    await client.waitForInitialization({ timeout: 2 });

    expect(await double.cutStreams()).toBe(1);
    const [first, second] = await double.waitForStreams(2);

    expect(first.closedAt).toBeDefined();
    expect(second.closedAt).toBeUndefined();
    expect(second.instanceId).toBe(first.instanceId);
    expect(logs.lines('info').map((line) => line.message)).toContain('Opened LaunchDarkly stream connection');
    // The new stream is live: a change reaches the client through it.
    await double.waitForStreams(1, 2000, (stream) => stream.id === 2 && stream.putAt !== undefined);
    const updated = nextUpdate(client, 'kill-switch');
    double.setFlag(booleanFlag('kill-switch', false));
    await updated;
    expect(await client.boolVariation('kill-switch', user, true)).toBe(false);
  });

  it('endStreams ends the stream cleanly and the SDK reconnects too', async () => {
    await readyClient();

    expect(await double.endStreams()).toBe(1);

    const streams = await double.waitForStreams(2);
    expect(streams[0].closedAt).toBeDefined();
  });

  it('stopListening refuses connections, startListening serves again on the same port', async () => {
    const client = await readyClient();
    const port = double.port;

    await double.stopListening();
    expect(double.listening).toBe(false);
    expect(double.openStreams()).toEqual([]);
    expect(await probe(double.url)).toBe('ECONNREFUSED');
    // A change made while the server is down arrives with the put of the next stream.
    const updated = nextUpdate(client, 'kill-switch');
    double.setFlag(booleanFlag('kill-switch', false));
    await double.startListening();
    await double.waitForStreams(2, 3000);
    await updated;

    expect(double.port).toBe(port);
    expect(await probe(double.url)).toBe('ok');
    expect(await client.boolVariation('kill-switch', user, true)).toBe(false);
  });

  it('delayFirstPutMs holds back initialisation by that long', async () => {
    double.faults.delayFirstPutMs = 300;
    const startedAt = performance.now();
    const client = clients.start(double);

    const [stream] = await double.waitForStreams(1);
    expect(client.initialized()).toBe(false);
    await client.waitForInitialization({ timeout: 2 });

    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(290);
    const [served] = double.streams();
    expect(stream.putAt).toBeUndefined();
    expect((served.putAt ?? 0) - served.openedAt).toBeGreaterThanOrEqual(290);
  });

  it('a put delayed past the SDK timeout rejects waitForInitialization, and the client still becomes ready', async () => {
    double.faults.delayFirstPutMs = 400;
    const client = clients.start(double);
    const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));

    await expect(client.waitForInitialization({ timeout: 0.1 })).rejects.toBeInstanceOf(LDTimeoutError);
    await ready;

    expect(client.initialized()).toBe(true);
    expect(double.streams()).toHaveLength(1);
  });
});
