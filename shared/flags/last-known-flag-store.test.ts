import { init, integrations, type LDFeatureStoreDataStorage } from '@launchdarkly/node-server-sdk';
import { PassThrough } from 'node:stream';

import { createLogger } from '../logging';
import { FlagClient } from './flag-client';
import { FlagSourceMonitor } from './flag-source-monitor';
import { LastKnownFlagStore } from './last-known-flag-store';
import type { FlagMirror } from './redis-mirror';

/** A Redis copy in memory that a test can take down and bring back. */
class FakeMirror implements FlagMirror {
  ready = false;
  held: LDFeatureStoreDataStorage | undefined;
  writes: LDFeatureStoreDataStorage[] = [];
  private readonly listeners: Array<() => void> = [];

  isReady = () => this.ready;
  onReady = (listener: () => void) => void this.listeners.push(listener);
  waitUntilReady = () => Promise.resolve(this.ready);
  read = () => (this.ready ? Promise.resolve(this.held) : Promise.reject(new Error('down')));
  write = (data: LDFeatureStoreDataStorage) => {
    if (!this.ready) return Promise.reject(new Error('down'));
    this.writes.push(data);
    this.held = data;
    return Promise.resolve();
  };
  close = () => undefined;
  up(): void {
    this.ready = true;
    for (const listener of this.listeners) listener();
  }
}

const flag = (value: string, version: number) => ({
  key: 'catalog-sort',
  version,
  on: true,
  variations: [value],
  fallthrough: { variation: 0 },
});
const USER = { kind: 'user', key: 'u1' };
/** A data source that never delivers: LaunchDarkly unreachable. */
const unreachable = () => ({ start: () => undefined, stop: () => undefined, close: () => undefined });
const logger = createLogger({
  service: 'test',
  instance: '0',
  level: 'error',
  format: 'json',
  sink: new PassThrough(),
});
const settle = () => new Promise((resolve) => setImmediate(resolve));

const clients: FlagClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.shutdown(100)));
});

function clientWith(mirror: FakeMirror, updateProcessor: unknown, monitor?: FlagSourceMonitor): FlagClient {
  const store = new LastKnownFlagStore(mirror, logger, { connectWaitMs: 0, retryWriteMs: 10 }, monitor);
  const ld = init('sdk-test', {
    featureStore: store,
    updateProcessor: updateProcessor as never,
    sendEvents: false,
    diagnosticOptOut: true,
    logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined },
  });
  const client = new FlagClient(ld, 'stream', { sourceMonitor: monitor, store });
  clients.push(client);
  return client;
}

describe('LastKnownFlagStore', () => {
  it('serves the stored flags, reported as "stored", while the data source has delivered nothing', async () => {
    const mirror = new FakeMirror();
    mirror.ready = true;
    mirror.held = { features: { 'catalog-sort': flag('stored-value', 3) }, segments: {} };
    const client = clientWith(mirror, unreachable);
    const outcome = await client.waitForFlags(0.1);
    expect(outcome).toMatchObject({ initialized: false, serving: 'stored' });
    expect(await client.string('catalog-sort', USER, 'fallback')).toBe('stored-value');
    expect(mirror.writes).toEqual([]); // stored flags are never written back
  });

  it('refuses malformed stored flags (another writer put them there): fallbacks, the refusal on record', async () => {
    const mirror = new FakeMirror();
    mirror.ready = true;
    mirror.held = { features: { 'catalog-sort': { ...flag('stored-value', 3), variations: 'not-a-list' } } };
    const monitor = new FlagSourceMonitor();
    const client = clientWith(mirror, unreachable, monitor);
    expect(await client.waitForFlags(0.1)).toMatchObject({ initialized: false, serving: 'fallback' });
    expect(await client.string('catalog-sort', USER, 'fallback')).toBe('fallback');
    expect(client.state().rejectedData).toMatchObject({
      source: 'flag store',
      message: expect.stringContaining('flags.catalog-sort'),
    });
  });

  it('serves fallbacks, reported as "fallback", when the store is unreachable and nothing was delivered', async () => {
    const client = clientWith(new FakeMirror(), unreachable);
    expect(await client.waitForFlags(0.1)).toMatchObject({ initialized: false, serving: 'fallback' });
    expect(await client.string('catalog-sort', USER, 'fallback')).toBe('fallback');
  });

  it('puts live flags in memory first and writes them when the store comes up; every reconnection rewrites them', async () => {
    const td = new integrations.TestData();
    await td.update(td.flag('catalog-sort').valueForAll('live-value'));
    const mirror = new FakeMirror();
    const client = clientWith(mirror, td.getFactory());
    expect(await client.waitForFlags(1)).toMatchObject({ initialized: true, serving: 'live' });
    expect(await client.string('catalog-sort', USER, 'fallback')).toBe('live-value');
    expect(client.state().store).toMatchObject({ connected: false, writePending: true });

    mirror.up();
    await settle();
    expect(mirror.writes).toHaveLength(1);
    expect(Object.keys(mirror.held!.features!)).toEqual(['catalog-sort']);
    expect(client.state().store).toMatchObject({ connected: true, writePending: false });

    mirror.held = undefined; // Redis restarted empty
    mirror.up();
    await settle();
    expect(mirror.writes).toHaveLength(2);
    expect(mirror.held).toBeDefined();
  });

  it('writes each change, and never lets a stored data set read late replace live flags', async () => {
    const td = new integrations.TestData();
    await td.update(td.flag('catalog-sort').valueForAll('v1'));
    const mirror = new FakeMirror();
    mirror.ready = true;
    mirror.held = { features: { 'catalog-sort': flag('old-stored', 1) }, segments: {} };
    const client = clientWith(mirror, td.getFactory());
    await client.waitForFlags(1);
    await td.update(td.flag('catalog-sort').valueForAll('v2'));
    await settle();
    expect(await client.string('catalog-sort', USER, 'fallback')).toBe('v2');
    const stored = mirror.held!.features!['catalog-sort'] as unknown as { variations: string[] };
    expect(stored.variations).toContain('v2');
    mirror.up(); // a reconnection with live data: a rewrite, never a read
    await settle();
    expect(await client.string('catalog-sort', USER, 'fallback')).toBe('v2');
  });
});
