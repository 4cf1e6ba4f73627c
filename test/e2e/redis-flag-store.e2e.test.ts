/**
 * The Redis flag store on the real pieces: the real SDK in this process, a real redis-server
 * (Debian's) started by the test, and the LaunchDarkly double, which can stop listening to play
 * "LaunchDarkly is down". Each trap of the SDK's own Redis store (docs/launchdarkly.md) has a test
 * here; the fleet-level claims are in redis-fleet.e2e.test.ts.
 */
import { init, type LDContext } from '@launchdarkly/node-server-sdk';

import { Secret } from '../../shared/config';
import {
  FlagClient,
  FlagSourceMonitor,
  launchDarklyOptions,
  openRedisFlagStore,
  type RedisFlagStoreConfig,
} from '../../shared/flags';
import { createLogger } from '../../shared/logging';
import { DOUBLE_SDK_KEY, fleetFlags } from '../support/fleet-flags';
import {
  silentLdLogger,
  startLaunchDarklyDouble,
  withFallthrough,
  type LaunchDarklyDouble,
} from '../support/launchdarkly-double';
import { captureJsonLines } from '../support/log-capture';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { waitFor } from '../support/wait-for';

const FREE_USER: LDContext = { kind: 'user', key: 'user-1', plan: 'free' };
/** catalog-sort for a free user: the double's value, and the code's fallback. */
const REAL_SORT = 'price-asc';
const FALLBACK_SORT = 'featured';

let redis: RedisServer;
let double: LaunchDarklyDouble;
const clients: FlagClient[] = [];
let prefixCount = 0;
let prefix = '';

beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);

afterAll(async () => {
  await redis?.close();
});

beforeEach(async () => {
  if (!redis.running) await redis.start();
  double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
  prefixCount += 1;
  prefix = `flagfleet-test-${prefixCount}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.shutdown(1_000).catch(() => undefined)));
  await double.close();
});

function storeConfig(use: 'last-known' | 'daemon' = 'last-known', cacheTtlS = 1): RedisFlagStoreConfig {
  const url = new Secret(redis.url);
  return use === 'daemon'
    ? { kind: 'redis', use, url, prefix, cacheTtlS }
    : { kind: 'redis', use, url, prefix };
}

/**
 * One instance's flag client from the parts the runner builds it with (startFlagClient: the source
 * monitor, the Redis store, the guarded stream, FlagClient), pointed at the double. Not the process
 * client itself: these tests need several instances at once.
 */
function startClient(use: 'last-known' | 'daemon' = 'last-known'): {
  client: FlagClient;
  logs: () => unknown[];
} {
  const capture = captureJsonLines();
  const logger = createLogger({
    service: 'test',
    instance: '0',
    level: 'debug',
    format: 'json',
    sink: capture.sink,
  });
  const monitor = new FlagSourceMonitor();
  const store = openRedisFlagStore(storeConfig(use), logger, monitor);
  const endpoints = { baseUri: double.url, streamUri: double.url, eventsUri: double.url };
  const config = { mode: 'relay', sdkKey: new Secret(DOUBLE_SDK_KEY), endpoints, initTimeoutS: 5 } as const;
  const ld = init(DOUBLE_SDK_KEY, {
    ...launchDarklyOptions({ ...config, store: storeConfig(use) }, silentLdLogger, 'test', monitor),
    featureStore: store.featureStore,
    useLdd: store.daemon,
    sendEvents: false,
    diagnosticOptOut: true,
    // 50 ms, not 1 s: these tests bring LaunchDarkly back and wait for the reconnection.
    streamInitialReconnectDelay: 0.05,
  });
  const client = new FlagClient(ld, 'relay', { sourceMonitor: monitor, store });
  clients.push(client);
  return { client, logs: capture.messages };
}

const sortFor = (client: FlagClient) => client.string('catalog-sort', FREE_USER, FALLBACK_SORT);

async function storedFlagKeys(): Promise<string[]> {
  return Object.keys(await redis.client().hgetall(`${prefix}:features`)).sort();
}

async function storeHoldsDataSet(): Promise<boolean> {
  return (await redis.client().exists(`${prefix}:$inited`)) === 1;
}

const FLAG_KEYS = fleetFlags()
  .map((flag) => flag.key)
  .sort();

describe('claim R1: a streaming instance keeps the last known flags in Redis; one that starts while LaunchDarkly is down serves them', () => {
  it('writes the full data set, serves it at a cold start as "stored", then switches to live when LaunchDarkly is back', async () => {
    const writer = startClient();
    await writer.client.waitForFlags(5);
    await waitFor(
      'the writer to store its flags',
      async () => (await storedFlagKeys()).join() === FLAG_KEYS.join(),
      {
        timeoutMs: 5_000,
      },
    );
    expect(await storeHoldsDataSet()).toBe(true);

    await double.stopListening();
    const cold = startClient();
    const outcome = await cold.client.waitForFlags(1);
    expect(outcome).toMatchObject({ initialized: false, serving: 'stored' });
    expect(outcome.reason).toContain('serving the last known flags from the store, not live');
    expect(await sortFor(cold.client)).toBe(REAL_SORT);
    expect(cold.client.state()).toMatchObject({
      initialized: false,
      serving: 'stored',
      store: { kind: 'redis', use: 'last-known', connected: true },
    });
    // Beside it, as without a store: the stream is what is not delivering.
    await waitFor('the refused stream on record', () => cold.client.state().source?.state === 'interrupted', {
      timeoutMs: 5_000,
    });
    expect(cold.client.state().source?.reason).toMatch(/ECONNREFUSED/);

    await double.startListening();
    await waitFor('the cold instance to get live flags', () => cold.client.state().serving === 'live', {
      timeoutMs: 40_000,
    });
    expect(cold.client.state().initialized).toBe(true);
    expect(await sortFor(cold.client)).toBe(REAL_SORT);
  }, 60_000);

  it('without anything in Redis, a cold start while LaunchDarkly is down serves fallbacks and says so', async () => {
    await double.stopListening();
    const cold = startClient();
    const outcome = await cold.client.waitForFlags(1);
    expect(outcome).toMatchObject({ initialized: false, serving: 'fallback' });
    expect(await sortFor(cold.client)).toBe(FALLBACK_SORT);
  }, 30_000);
});

describe('claim R2: evaluations never wait for Redis (fail fast: they read memory only)', () => {
  it('answers every evaluation while redis-server is frozen (SIGSTOP), and sends Redis no read', async () => {
    const instance = startClient();
    await instance.client.waitForFlags(5);
    await waitFor('the flags to be stored', storeHoldsDataSet, { timeoutMs: 5_000 });
    await redis.client().config('RESETSTAT');
    const pid = Number((await redis.client().info('server')).match(/process_id:(\d+)/)?.[1]);
    process.kill(pid, 'SIGSTOP');
    try {
      // A read from Redis could not be answered before SIGCONT: these resolve only from memory.
      const answers = await Promise.all(Array.from({ length: 200 }, () => sortFor(instance.client)));
      expect(new Set(answers)).toEqual(new Set([REAL_SORT]));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const stats = await redis.client().info('commandstats');
    expect(stats).not.toMatch(/cmdstat_(hget|hgetall|exists):/);
  }, 30_000);

  it('answers with the live flags while redis-server is stopped', async () => {
    const instance = startClient();
    await instance.client.waitForFlags(5);
    await redis.stop();
    // The client sees the closed connection a moment after redis-server exits.
    await waitFor('the store to see Redis gone', () => instance.client.state().store?.connected === false, {
      timeoutMs: 10_000,
    });
    const answers = await Promise.all(Array.from({ length: 50 }, () => sortFor(instance.client)));
    expect(new Set(answers)).toEqual(new Set([REAL_SORT]));
    expect(instance.client.state()).toMatchObject({
      initialized: true,
      serving: 'live',
      store: { connected: false },
    });
  }, 30_000);
});

describe('claim R3: a put that arrives while Redis is down is not lost', () => {
  it('initializes from the stream with Redis down, then writes the flags once Redis is up', async () => {
    await redis.stop();
    const instance = startClient();
    const outcome = await instance.client.waitForFlags(5);
    // The SDK's own store, with the 'update' listener FlagClient registers, never finishes this put.
    expect(outcome).toMatchObject({ initialized: true, serving: 'live' });
    expect(await sortFor(instance.client)).toBe(REAL_SORT);
    expect(instance.client.state().store).toMatchObject({ connected: false, writePending: true });

    await redis.start();
    await waitFor(
      'the pending flags to be written',
      async () => (await storedFlagKeys()).join() === FLAG_KEYS.join(),
      {
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );
    expect(await storeHoldsDataSet()).toBe(true);
    await waitFor('the write to be recorded', () => instance.client.state().store?.writePending === false, {
      timeoutMs: 5_000,
    });

    // …and a host that starts now, with LaunchDarkly down, gets them.
    await double.stopListening();
    const cold = startClient();
    expect(await cold.client.waitForFlags(1)).toMatchObject({ serving: 'stored' });
    expect(await sortFor(cold.client)).toBe(REAL_SORT);
  }, 60_000);

  it('keeps a change that arrives while Redis is down (no unhandled rejection) and writes it when Redis is back', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const instance = startClient();
      await instance.client.waitForFlags(5);
      await waitFor('the flags to be stored', storeHoldsDataSet, { timeoutMs: 5_000 });
      await redis.stop();
      await waitFor('the store to notice', () => instance.client.state().store?.connected === false, {
        timeoutMs: 5_000,
      });
      const changed = double.setFlag(withFallthrough(double.flag('catalog-sort')!, 2));
      await waitFor(
        'the change to be served',
        async () =>
          (await instance.client.string('catalog-sort', { kind: 'user', key: 'x' }, '')) === 'newest',
        {
          timeoutMs: 5_000,
        },
      );
      await redis.start();
      await waitFor(
        'the changed flag to be written',
        async () => {
          const stored = await redis
            .client()
            .hget(`${prefix}:features`, 'catalog-sort')
            .catch(() => null);
          return stored !== null && (JSON.parse(stored) as { version: number }).version === changed.version;
        },
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 60_000);
});

describe('claim R4: Redis restarted empty leaves no instance answering "flag not found"', () => {
  it('keeps answering live flags, and fills the empty Redis again', async () => {
    const instance = startClient();
    await instance.client.waitForFlags(5);
    await waitFor('the flags to be stored', storeHoldsDataSet, { timeoutMs: 5_000 });

    await redis.stop();
    await redis.start(); // empty: no persistence
    await waitFor(
      'Redis to be filled again',
      async () => (await storedFlagKeys()).join() === FLAG_KEYS.join(),
      {
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );
    expect(await storeHoldsDataSet()).toBe(true);
    expect(instance.client.state()).toMatchObject({ initialized: true, serving: 'live' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => sortFor(instance.client)));
    expect(new Set(answers)).toEqual(new Set([REAL_SORT]));
  }, 60_000);
});

describe('claim R5: Relay Proxy daemon mode — flags only from Redis, reported as stored, never as live', () => {
  it('answers an evaluation whose cache expired while redis-server is frozen (SIGSTOP), without waiting for it to come back', async () => {
    const writer = startClient();
    await writer.client.waitForFlags(5);
    const daemon = startClient('daemon');
    await waitFor('daemon to see the data set', () => daemon.client.state().initialized, {
      timeoutMs: 10_000,
    });
    expect(await sortFor(daemon.client)).toBe(REAL_SORT);
    const pid = Number((await redis.client().info('server')).match(/process_id:(\d+)/)?.[1]);
    process.kill(pid, 'SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // past the 1 s cache TTL
      // Resolves only because ioredis gives up on the frozen server (commandTimeout): with its
      // defaults it would wait until SIGCONT, which comes after.
      expect(await sortFor(daemon.client)).toBe(FALLBACK_SORT);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 30_000);

  it('is initialized only once Redis holds a data set; serves it as "stored"; sees a change after the cache TTL', async () => {
    const daemon = startClient('daemon');
    expect(await daemon.client.waitForFlags(1)).toMatchObject({ initialized: false, serving: 'fallback' });
    expect(await sortFor(daemon.client)).toBe(FALLBACK_SORT);
    // The store is the flag source in daemon mode: its state is the source's.
    expect(daemon.client.state().source).toMatchObject({
      state: 'interrupted',
      reason: 'Redis holds no flag data set',
    });

    // A streaming writer stands in for the Relay Proxy: same key layout, same prefix.
    const writer = startClient();
    await writer.client.waitForFlags(5);
    await waitFor('daemon to see the data set', () => daemon.client.state().initialized, {
      timeoutMs: 10_000,
    });
    expect(daemon.client.state()).toMatchObject({
      serving: 'stored',
      source: { state: 'delivering' },
      store: { use: 'daemon', connected: true },
    });
    await waitFor('the stored value', async () => (await sortFor(daemon.client)) === REAL_SORT, {
      timeoutMs: 5_000,
    });

    double.setFlag(withFallthrough(double.flag('catalog-sort')!, 2));
    await waitFor(
      'the change through Redis (cache TTL 1 s)',
      async () => (await daemon.client.string('catalog-sort', { kind: 'user', key: 'x' }, '')) === 'newest',
      {
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
    expect(double.streams().length).toBe(1); // the writer's: the daemon client opens no stream

    await redis.stop();
    await waitFor(
      'Redis down on record as the source interrupted',
      () => !daemon.client.state().initialized,
      {
        timeoutMs: 5_000,
      },
    );
    expect(daemon.client.state()).toMatchObject({
      serving: 'fallback',
      source: { state: 'interrupted', reason: 'Redis is not connected' },
      store: { connected: false },
    });
  }, 60_000);
});
