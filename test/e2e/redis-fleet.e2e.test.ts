/**
 * The whole fleet under real PM2 with the Redis flag store (a real redis-server the test starts):
 * a fleet cold-started while LaunchDarkly is down serves the last known flags, and says on every
 * channel that they are stored, not live.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import type { FlagClientState } from '../../shared/flags';
import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../support/fleet-flags';
import { replyFromEachInstance } from '../support/instance-sampler';
import { startLaunchDarklyDouble, type LaunchDarklyDouble } from '../support/launchdarkly-double';
import { runLoad } from '../support/load-client';
import { createFleet, type Fleet } from '../support/pm2-fleet';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { flagValuesIn } from '../support/gateway-traffic';
import { waitFor } from '../support/wait-for';

const INSTANCES = 2;
const SERVICES = ['gateway', 'catalog', 'pricing'] as const;
const TOTAL = SERVICES.length * INSTANCES;
const PREFIX = 'flagfleet-e2e';
const REAL_VALUES = new Set(['sort=price-asc', 'discountPercent=10 freeShipping=true']);

let redis: RedisServer | undefined;
let double: LaunchDarklyDouble | undefined;
let fleet: Fleet | undefined;

beforeAll(async () => {
  redis = await startRedisServer();
  double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
  fleet = await createFleet({
    instances: INSTANCES,
    env: {
      ...launchDarklyEnv(double),
      LAUNCHDARKLY_INIT_TIMEOUT_S: '1',
      LAUNCHDARKLY_REDIS_URL: redis.url,
      LAUNCHDARKLY_REDIS_PREFIX: PREFIX,
    },
  });
  // First life: LaunchDarkly up; every streaming instance writes the flags to Redis.
  await fleet.start();
  await double.waitForStreams(TOTAL, 30_000, (stream) => stream.putAt !== undefined);
  await waitFor('the flags in Redis', async () => (await redis!.client().exists(`${PREFIX}:$inited`)) === 1, {
    timeoutMs: 10_000,
  });
  // The host goes down; LaunchDarkly goes down; the host boots again.
  await fleet.pm2('delete', 'all');
  await double.stopListening();
  await fleet.start();
}, 120_000);

afterAll(async () => {
  try {
    await fleet?.destroy();
  } finally {
    await double?.close();
    await redis?.close();
  }
}, 60_000);

describe('claim R6: a fleet cold-started while LaunchDarkly is down serves the last known flags from Redis, and says they are stored', () => {
  it('answers every request with the stored flag values, none with a fallback', async () => {
    const summary = await runLoad({
      baseUrl: fleet!.url('gateway', ''),
      concurrency: 2,
      maxRequests: 200,
      request: (index) =>
        index % 2 === 0
          ? { path: '/api/products?limit=2', headers: { 'X-User-Plan': 'free', 'X-User-Key': `u${index}` } }
          : {
              method: 'POST',
              path: '/api/quotes',
              headers: { 'X-User-Plan': 'pro', 'X-User-Key': `u${index}` },
              body: { items: [{ sku: 'KB-001', quantity: 2 }] },
            },
      extract: flagValuesIn,
    });
    expect(summary.failures).toEqual({});
    expect(new Set(summary.records.map((record) => record.value))).toEqual(REAL_VALUES);
  }, 60_000);

  it('logs one init line per instance: NOT initialized, serving stored flags, not live', async () => {
    const instances = await fleet!.list();
    expect(instances).toHaveLength(TOTAL);
    // The second start gave the apps other pm_ids, so two apps' log files can share a number
    // (fleet.outLines() keys them by it): every out log is read, lines told apart by pid. A line is
    // written just after 'ready', so on a busy machine it may reach the file a moment later.
    const logDir = path.join(fleet!.home, 'logs');
    const initLinesOf = async (pid: number) => {
      const files = (await readdir(logDir)).filter((file) => file.includes('-out-'));
      const texts = await Promise.all(files.map((file) => readFile(path.join(logDir, file), 'utf8')));
      return texts
        .flatMap((text) => text.split('\n'))
        .filter((line) => line.includes(` pid=${pid} LaunchDarkly client `) && /initialized/.test(line));
    };
    for (const instance of instances) {
      const initLines = await waitFor(
        `the init line of pid ${instance.pid}`,
        async () => {
          const found = await initLinesOf(instance.pid);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(initLines).toEqual([
        expect.stringMatching(
          /LaunchDarkly client NOT initialized; serving stored flags, not live mode=relay ms=\d+ .* serving=stored reason="no flag data within 1s/,
        ),
      ]);
    }
  }, 60_000);

  it('reports "stored" on /readyz (200: it serves), with Redis connected and the stream not delivering', async () => {
    for (const service of SERVICES) {
      const replies = await replyFromEachInstance(fleet!.url(service, '/readyz'), INSTANCES);
      expect(replies.size).toBe(INSTANCES);
      for (const reply of replies.values()) {
        expect(reply.status).toBe(200);
        expect((reply.body as { flags: FlagClientState }).flags).toMatchObject({
          initialized: false,
          serving: 'stored',
          source: { state: 'interrupted', reason: expect.stringMatching(/ECONNREFUSED/) },
          store: { kind: 'redis', use: 'last-known', connected: true },
        });
      }
    }
  });

  it('shows "stored" in npm run status, as a problem of its own, and in pm2 show', async () => {
    const status = await fleet!.status();
    expect(status.code).not.toBe(0);
    expect(status.stdout).toMatch(/ initialized +serving +last update /);
    const rows = status.stdout.split('\n').filter((line) => /^(gateway|catalog|pricing)\s+\d/.test(line));
    expect(rows).toHaveLength(TOTAL);
    for (const row of rows) expect(row).toMatch(/\sno\s+stored\s/);
    expect(status.stdout.match(/: serving stored flags, not live$/gm)).toHaveLength(TOTAL);
    expect(status.stdout.match(/warning: flag source not delivering for /g)).toHaveLength(TOTAL);
    await waitFor(
      'every instance to publish its PM2 probes',
      async () =>
        (await fleet!.list()).every(
          (instance) => instance.pm2_env.axm_monitor?.['Flags served']?.value === 'stored',
        ),
      { timeoutMs: 15_000, intervalMs: 500 },
    );
  }, 30_000);

  it('exports flag_client_serving{serving="stored"} 1 and flag_store_connected 1 on every instance', async () => {
    for (const service of SERVICES) {
      for (let instance = 0; instance < INSTANCES; instance += 1) {
        const text = await (
          await fetch(`http://127.0.0.1:${fleet!.metricsPorts[service] + instance}/metrics`)
        ).text();
        expect(text).toMatch(/^flag_client_serving\{serving="stored",[^}]*\} 1$/m);
        expect(text).toMatch(/^flag_client_serving\{serving="live",[^}]*\} 0$/m);
        expect(text).toMatch(/^flag_store_connected\{use="last-known",[^}]*\} 1$/m);
      }
    }
  });

  it('turns live on every instance once LaunchDarkly is back, without a restart', async () => {
    const backAt = Date.now();
    await double!.startListening();
    await double!.waitForStreams(
      TOTAL,
      40_000,
      (stream) => stream.putAt !== undefined && stream.openedAt >= backAt,
    );
    await waitFor(
      'every instance live',
      async () => {
        for (const service of SERVICES) {
          const replies = await replyFromEachInstance(fleet!.url(service, '/readyz'), INSTANCES);
          for (const reply of replies.values()) {
            if ((reply.body as { flags: FlagClientState }).flags.serving !== 'live') return false;
          }
        }
        return true;
      },
      { timeoutMs: 40_000, intervalMs: 250 },
    );
    const instances = await fleet!.list();
    expect(instances.every((instance) => instance.pm2_env.restart_time === 0)).toBe(true);
  }, 90_000);
});
