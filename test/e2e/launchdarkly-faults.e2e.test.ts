import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { fleetTimings } from '../../shared/runtime';
import type { FlagClientState } from '../../shared/flags';
import { useFleetWithDouble } from '../support/fleet-fixture';
import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../support/fleet-flags';
import {
  replyFromEachInstance,
  replyFromEachInstanceTo,
  type InstanceReply,
} from '../support/instance-sampler';
import {
  startLaunchDarklyDouble,
  withFallthrough,
  type EventPayloadRecord,
  type LaunchDarklyDouble,
  type StreamRecord,
} from '../support/launchdarkly-double';
import {
  runLoad,
  startLoad,
  type LoadOptions,
  type LoadRecord,
  type LoadRequest,
  type LoadResponse,
  type LoadRun,
  type LoadSummary,
} from '../support/load-client';
import { createFleet, startFleet, type Fleet, type Pm2Instance } from '../support/pm2-fleet';
import { flagValuesIn } from '../support/gateway-traffic';
import { waitFor } from '../support/wait-for';

const INSTANCES_PER_SERVICE = 2;
const SERVICES = ['gateway', 'catalog', 'pricing'] as const;
const TOTAL_INSTANCES = SERVICES.length * INSTANCES_PER_SERVICE;
const QUOTE = { items: [{ sku: 'KB-001', quantity: 2 }] };
const MB = 1024 * 1024;

/**
 * What a response says about the flags behind it. The double's values (fleet-flags.ts) all differ
 * from the fallbacks in the code, so these two sets tell real flags from fallbacks.
 */
const REAL_VALUES = ['sort=price-asc', 'discountPercent=10 freeShipping=true'];
const FALLBACK_VALUES = ['sort=featured', 'discountPercent=0 freeShipping=false'];

/** Products as a `free` user (real: price-asc) and quotes as a `pro` user (real: 10 %, free shipping). */
function gatewayRequest(index: number, userKey = `user-${index % 40}`): LoadRequest {
  return index % 2 === 0
    ? { path: '/api/products?limit=2', headers: { 'X-User-Plan': 'free', 'X-User-Key': userKey } }
    : {
        method: 'POST',
        path: '/api/quotes',
        headers: { 'X-User-Plan': 'pro', 'X-User-Key': userKey },
        body: QUOTE,
      };
}

function catalogRequest(): LoadRequest {
  return { path: '/products?limit=2', headers: { 'X-User-Plan': 'free' } };
}

function pricingRequest(): LoadRequest {
  return { method: 'POST', path: '/quotes', headers: { 'X-User-Plan': 'pro' }, body: QUOTE };
}

/** Every failed request of a load run, as `name: count × kind`, for a readable assertion message. */
function failuresOf(name: string, summary: LoadSummary<unknown>): string[] {
  return Object.entries(summary.failures).map(([kind, count]) => `${name}: ${count} × ${kind}`);
}

function valuesOf(summary: LoadSummary<string>): Set<string | undefined> {
  return new Set(summary.records.map((record) => record.value));
}

/** A load record with wall-clock times, to compare with PM2 and log timestamps. */
interface TimedRecord<T> {
  readonly record: LoadRecord<T>;
  readonly startedAt: number;
  readonly endedAt: number;
}

interface TimedLoad<T> {
  readonly run: LoadRun<T>;
  readonly timed: TimedRecord<T>[];
}

/** Loads still running; stopped after each test whatever happened, so none outlives its fleet. */
const runningLoads = new Set<LoadRun<unknown>>();

function timedLoad<T>(options: LoadOptions<T>): TimedLoad<T> {
  const timed: TimedRecord<T>[] = [];
  const run = startLoad({
    ...options,
    onRecord: (record) => {
      const endedAt = Date.now();
      timed.push({ record, endedAt, startedAt: endedAt - record.latencyMs });
    },
  });
  runningLoads.add(run);
  void run.result.finally(() => runningLoads.delete(run)).catch(() => undefined);
  return { run, timed };
}

afterEach(async () => {
  await Promise.allSettled([...runningLoads].map((run) => run.stop()));
});

/** Waits until each load has completed `count` more requests than it had when called. */
async function moreRequests(
  loads: readonly TimedLoad<unknown>[],
  count: number,
  what: string,
): Promise<void> {
  const targets = loads.map((load) => load.run.completed() + count);
  await waitFor(what, () => loads.every((load, index) => load.run.completed() >= targets[index]!), {
    timeoutMs: 30_000,
  });
}

interface ReadyzBody {
  readonly status: string;
  readonly flags: FlagClientState;
}

/** `/readyz` from every instance of every service, keyed by `X-Served-By`. */
async function readyzOfEveryInstance(fleet: Fleet): Promise<Map<string, InstanceReply>> {
  const all = new Map<string, InstanceReply>();
  for (const service of SERVICES) {
    const replies = await replyFromEachInstance(fleet.url(service, '/readyz'), INSTANCES_PER_SERVICE);
    for (const [servedBy, reply] of replies) all.set(servedBy, reply);
  }
  return all;
}

function readyzBody(reply: InstanceReply): ReadyzBody {
  return reply.body as ReadyzBody;
}

const INIT_LINE = /LaunchDarkly client (NOT )?initialized/;

/** The `LaunchDarkly client …initialized` lines of one instance, from its PM2 out log. */
function initLinesOf(lines: Map<number, string[]>, instance: Pick<Pm2Instance, 'pm_id'>): string[] {
  return (lines.get(instance.pm_id) ?? []).filter((line) => INIT_LINE.test(line));
}

/** The time at the start of a text log line. */
function lineTime(line: string): number {
  const time = Date.parse(line.split(' ')[0] ?? '');
  if (Number.isNaN(time)) throw new Error(`no timestamp at the start of: ${line}`);
  return time;
}

/** Every log file under $PM2_HOME/logs (out and error) and the daemon's pm2.log. */
async function everyLog(fleet: Fleet): Promise<string> {
  const logDir = path.join(fleet.home, 'logs');
  const texts = await Promise.all(
    (await readdir(logDir)).map((file) => readFile(path.join(logDir, file), 'utf8')),
  );
  return [...texts, await fleet.daemonLog()].join('\n');
}

function pidsById(instances: readonly Pm2Instance[]): Map<number, number> {
  return new Map(instances.map((instance) => [instance.pm_id, instance.pid]));
}

/** Every instance online, never restarted, and (given `pids`) still the same process. */
function expectAllOnlineUnrestarted(instances: readonly Pm2Instance[], pids?: Map<number, number>): void {
  expect(instances).toHaveLength(TOTAL_INSTANCES);
  for (const instance of instances) {
    expect(instance).toMatchObject({
      pm_id: instance.pm_id,
      ...(pids ? { pid: pids.get(instance.pm_id) } : {}),
      pm2_env: { status: 'online', restart_time: 0 },
    });
  }
}

/** Asks each catalog instance directly for products as a `free` user. */
async function expectEveryCatalogInstanceToSort(fleet: Fleet, sort: string): Promise<void> {
  const replies = await replyFromEachInstance(
    fleet.url('catalog', '/products?limit=1'),
    INSTANCES_PER_SERVICE,
    {
      'X-User-Plan': 'free',
    },
  );
  for (const reply of replies.values()) expect(reply).toMatchObject({ status: 200, body: { sort } });
}

/** Asks each pricing instance directly for a quote as a `pro` user. */
async function expectEveryPricingInstanceToQuote(
  fleet: Fleet,
  flags: { discountPercent: number; freeShipping: boolean },
): Promise<void> {
  const replies = await replyFromEachInstanceTo(fleet.url('pricing', '/quotes'), INSTANCES_PER_SERVICE, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-User-Plan': 'pro' },
    body: JSON.stringify(QUOTE),
  });
  for (const reply of replies.values()) expect(reply).toMatchObject({ status: 200, body: flags });
}

/** Served streams that have had their `put`. */
const hadPut = (record: StreamRecord): boolean => record.status === 200 && record.putAt !== undefined;

async function shutDown(fleet: Fleet | undefined, double: LaunchDarklyDouble | undefined): Promise<void> {
  try {
    await fleet?.destroy();
  } finally {
    await double?.close();
  }
}

describe('claim 8: LaunchDarkly down at start — the fleet starts on fallbacks and picks flags up without a restart', () => {
  const INIT_TIMEOUT_MS = 1_000;
  /** PM2 would mark an instance online at this point even without its 'ready' (ecosystem.config.js). */
  const LISTEN_TIMEOUT_MS = fleetTimings(INIT_TIMEOUT_MS / 1000).listenTimeoutMs;
  let double: LaunchDarklyDouble | undefined;
  let fleet: Fleet | undefined;

  beforeAll(async () => {
    double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
    await double.stopListening();
    fleet = await createFleet({
      instances: INSTANCES_PER_SERVICE,
      env: { ...launchDarklyEnv(double), LAUNCHDARKLY_INIT_TIMEOUT_S: String(INIT_TIMEOUT_MS / 1000) },
    });
    await fleet.start();
  }, 90_000);

  afterAll(() => shutDown(fleet, double), 60_000);

  it('brings every instance online: its flag wait ends at the init timeout, before PM2 would give up on it', async () => {
    const instances = await fleet!.list();
    expectAllOnlineUnrestarted(instances);

    const lines = await fleet!.outLines();
    for (const instance of instances) {
      const [initLine] = initLinesOf(lines, instance);
      expect(initLine).toBeDefined();
      // The flag wait ended because of the init timeout, not anything else…
      expect(initLine).toContain(`no flag data within ${INIT_TIMEOUT_MS / 1000}s`);
      const waitedMs = Number(/ ms=(\d+) /.exec(initLine!)?.[1]);
      expect(waitedMs).toBeGreaterThanOrEqual(INIT_TIMEOUT_MS);
      // …and well before PM2's listen_timeout (the init timeout plus 5 s): the instance said 'ready'
      // itself. A bound derived from the configuration, not a speed claim.
      expect(waitedMs).toBeLessThan(LISTEN_TIMEOUT_MS);
    }
  });

  it('answers 200 with the fallback values, through the gateway and on every catalog and pricing instance', async () => {
    const summary = await runLoad({
      baseUrl: fleet!.url('gateway', ''),
      concurrency: 2,
      maxRequests: 60,
      request: (index) => gatewayRequest(index),
      extract: flagValuesIn,
    });
    expect(failuresOf('gateway', summary)).toEqual([]);
    expect(valuesOf(summary)).toEqual(new Set(FALLBACK_VALUES));

    await expectEveryCatalogInstanceToSort(fleet!, 'featured');
    await expectEveryPricingInstanceToQuote(fleet!, { discountPercent: 0, freeShipping: false });
  });

  it('says on /readyz of every instance that flags are not initialized, and that LaunchDarkly could not be reached', async () => {
    const replies = await readyzOfEveryInstance(fleet!);
    expect(replies.size).toBe(TOTAL_INSTANCES);
    for (const [servedBy, reply] of replies) {
      const body = readyzBody(reply);
      expect({ servedBy, status: reply.status, phase: body.status }).toEqual({
        servedBy,
        status: 200,
        phase: 'serving',
      });
      expect(body.flags).toMatchObject({ mode: 'relay', initialized: false });
      expect(body.flags.lastError?.message).toMatch(/ECONNREFUSED/);
      expect(body.flags.lastError?.message).toContain(`127.0.0.1:${double!.port}`);
    }
  });

  it('logs one init line per instance: NOT initialized, with the reason', async () => {
    const instances = await fleet!.list();
    const lines = await fleet!.outLines();
    for (const instance of instances) {
      const initLines = initLinesOf(lines, instance);
      expect(initLines).toEqual([
        expect.stringContaining(`pid=${instance.pid} LaunchDarkly client NOT initialized mode=relay`),
      ]);
      expect(initLines[0]).toMatch(/ reason="no flag data within 1s \(last SDK error: [^"]*ECONNREFUSED/);
      expect(initLines[0]).toContain('serving fallback values, the SDK keeps retrying');
    }
  });

  it('switches every instance to the real flag values once LaunchDarkly is back, without a restart', async () => {
    const before = await fleet!.list();
    await double!.startListening();
    // The SDK retries with a backoff that reaches 30 s; every instance reconnects and gets its put.
    const streams = await double!.waitForStreams(TOTAL_INSTANCES, 40_000, hadPut);
    expect(new Set(streams.map((stream) => stream.instanceId)).size).toBe(TOTAL_INSTANCES);

    await waitFor(
      'every instance to report its flags initialized on /readyz',
      async () =>
        [...(await readyzOfEveryInstance(fleet!)).values()].every(
          (reply) => readyzBody(reply).flags.initialized,
        ),
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    await expectEveryCatalogInstanceToSort(fleet!, 'price-asc');
    await expectEveryPricingInstanceToQuote(fleet!, { discountPercent: 10, freeShipping: true });
    const summary = await runLoad({
      baseUrl: fleet!.url('gateway', ''),
      concurrency: 2,
      maxRequests: 60,
      request: (index) => gatewayRequest(index),
      extract: flagValuesIn,
    });
    expect(failuresOf('gateway', summary)).toEqual([]);
    expect(valuesOf(summary)).toEqual(new Set(REAL_VALUES));

    expectAllOnlineUnrestarted(await fleet!.list(), pidsById(before));
  }, 90_000);
});

describe('claim 9: a bad SDK key (401) — a clear error, no crash loop, fallbacks, and the key never logged', () => {
  const WRONG_KEY = 'sdk-wrong-key';
  let double: LaunchDarklyDouble | undefined;
  let fleet: Fleet | undefined;
  let pidsAtStart = new Map<number, number>();

  beforeAll(async () => {
    double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
    fleet = await startFleet({ instances: INSTANCES_PER_SERVICE, env: launchDarklyEnv(double, WRONG_KEY) });
    pidsAtStart = pidsById(await fleet.list());
  }, 90_000);

  afterAll(() => shutDown(fleet, double), 60_000);

  it('logs on every instance that the client is NOT initialized because the SDK key was refused', async () => {
    const instances = await fleet!.list();
    const lines = await fleet!.outLines();
    expect(instances).toHaveLength(TOTAL_INSTANCES);
    for (const instance of instances) {
      const initLines = initLinesOf(lines, instance);
      expect(initLines).toEqual([
        expect.stringContaining(`pid=${instance.pid} LaunchDarkly client NOT initialized mode=relay`),
      ]);
      expect(initLines[0]).toMatch(/ reason="Authentication failed\. Double check your SDK key\.; /);
      expect(initLines[0]).toContain('the SDK does not retry this');
    }
    for (const [servedBy, reply] of await readyzOfEveryInstance(fleet!)) {
      const { flags } = readyzBody(reply);
      expect({ servedBy, initialized: flags.initialized }).toEqual({ servedBy, initialized: false });
      expect(flags.lastError?.message).toMatch(/SDK key/);
    }
    // Each client asked once, was refused, and gave up.
    expect(double!.streams().map((stream) => stream.status)).toEqual(Array(TOTAL_INSTANCES).fill(401));
  });

  it('keeps every instance up without restarts while serving fallback values with 200s', async () => {
    // A few seconds of traffic: longer than PM2's min_uptime would let a crash go unnoticed.
    const summary = await runLoad({
      baseUrl: fleet!.url('gateway', ''),
      concurrency: 2,
      durationMs: 6_000,
      request: (index) => gatewayRequest(index),
      extract: flagValuesIn,
    });
    expect(failuresOf('gateway', summary)).toEqual([]);
    expect(summary.ok).toBeGreaterThan(50);
    expect(valuesOf(summary)).toEqual(new Set(FALLBACK_VALUES));

    await expectEveryCatalogInstanceToSort(fleet!, 'featured');
    await expectEveryPricingInstanceToQuote(fleet!, { discountPercent: 0, freeShipping: false });

    expectAllOnlineUnrestarted(await fleet!.list(), pidsAtStart);
    // No retry behind the scenes either: still one refused stream request per instance.
    expect(double!.streams()).toHaveLength(TOTAL_INSTANCES);
  }, 60_000);

  it('never writes the SDK key to any log (out, error or pm2.log)', async () => {
    const logs = await everyLog(fleet!);
    expect(logs).toContain('LaunchDarkly client NOT initialized');
    expect(logs).not.toContain(WRONG_KEY);
  });
});

describe('claim 10: a stream cut mid-traffic — no failed request, last known values, streams reconnect', () => {
  const fixture = useFleetWithDouble({ instances: INSTANCES_PER_SERVICE, untilEveryInstanceHasFlags: true });

  it('serves every request with the last known values while the streams are down, and every stream reconnects', async () => {
    const pids = pidsById(await fixture.fleet.list());
    const original = fixture.double.openStreams();
    expect(original).toHaveLength(TOTAL_INSTANCES);
    const lastOriginalId = Math.max(...original.map((stream) => stream.id));

    const gateway = timedLoad({
      baseUrl: fixture.fleet.url('gateway', ''),
      concurrency: 3,
      durationMs: 60_000,
      request: (index) => gatewayRequest(index),
      extract: flagValuesIn,
    });
    const catalog = timedLoad({
      baseUrl: fixture.fleet.url('catalog', ''),
      concurrency: 2,
      durationMs: 60_000,
      request: catalogRequest,
      extract: flagValuesIn,
    });
    await moreRequests([gateway, catalog], 50, 'the load to get going');

    const cutAt = Date.now();
    expect(await fixture.double.cutStreams()).toBe(TOTAL_INSTANCES);
    const reconnected = await fixture.double.waitForStreams(
      TOTAL_INSTANCES,
      30_000,
      (record) => record.id > lastOriginalId && hadPut(record),
    );
    const firstBackAt = Math.min(...reconnected.map((stream) => stream.openedAt));
    await moreRequests([gateway, catalog], 50, 'more requests on the reconnected streams');
    const summaries = { gateway: await gateway.run.stop(), catalog: await catalog.run.stop() };

    expect([
      ...failuresOf('gateway', summaries.gateway),
      ...failuresOf('catalog', summaries.catalog),
    ]).toEqual([]);
    expect(valuesOf(summaries.gateway)).toEqual(new Set(REAL_VALUES));
    expect(valuesOf(summaries.catalog)).toEqual(new Set(['sort=price-asc']));
    // Requests were served while every stream was down, not only before and after.
    for (const load of [gateway, catalog]) {
      const whileDown = load.timed.filter(
        (timed) => timed.startedAt >= cutAt && timed.endedAt <= firstBackAt,
      );
      expect(whileDown.length).toBeGreaterThan(0);
      expect(whileDown.every((timed) => timed.record.outcome === 'ok')).toBe(true);
    }

    // The same six clients reconnected, each with a new stream, and only those are open.
    expect(new Set(reconnected.map((stream) => stream.instanceId))).toEqual(
      new Set(original.map((stream) => stream.instanceId)),
    );
    const open = fixture.double.openStreams();
    expect(open).toHaveLength(TOTAL_INSTANCES);
    expect(open.every((stream) => stream.id > lastOriginalId)).toBe(true);
    expectAllOnlineUnrestarted(await fixture.fleet.list(), pids);
  }, 90_000);

  it('delivers a flag change made after the reconnect to every catalog instance', async () => {
    const catalogUrl = fixture.fleet.url('catalog', '/products?limit=1');
    for (const reply of (await replyFromEachInstance(catalogUrl, INSTANCES_PER_SERVICE)).values()) {
      expect(reply.body).toMatchObject({ sort: 'newest' });
    }
    // Everyone without a plan: newest → price-asc.
    fixture.double.setFlag(withFallthrough(fixture.double.flag('catalog-sort')!, 1));
    await waitFor(
      'every catalog instance to serve the changed catalog-sort',
      async () =>
        [...(await replyFromEachInstance(catalogUrl, INSTANCES_PER_SERVICE)).values()].every(
          (reply) => reply.status === 200 && (reply.body as { sort: string }).sort === 'price-asc',
        ),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  }, 30_000);
});

describe('claim 11: the events endpoint failing (503) — requests unaffected, no crash, memory bounded', () => {
  const fixture = useFleetWithDouble({ instances: INSTANCES_PER_SERVICE, untilEveryInstanceHasFlags: true });
  const MEMORY_LIMIT = 250 * MB;
  const MEMORY_GROWTH_LIMIT = 100 * MB;

  it('serves ~10 s of load with no failure, no restart and bounded memory while every event post gets 503', async () => {
    fixture.double.faults.events = 503;
    const faultAt = Date.now();
    const before = await fixture.fleet.list();
    const pids = pidsById(before);

    // A new context on every gateway request: index events on top of the summaries, all undeliverable.
    const [gateway, catalog, pricing] = await Promise.all([
      runLoad({
        baseUrl: fixture.fleet.url('gateway', ''),
        concurrency: 3,
        durationMs: 10_000,
        request: (index) => gatewayRequest(index, `user-${index}`),
        extract: flagValuesIn,
      }),
      runLoad({
        baseUrl: fixture.fleet.url('catalog', ''),
        concurrency: 2,
        durationMs: 10_000,
        request: catalogRequest,
      }),
      runLoad({
        baseUrl: fixture.fleet.url('pricing', ''),
        concurrency: 2,
        durationMs: 10_000,
        request: pricingRequest,
      }),
    ]);
    expect([
      ...failuresOf('gateway', gateway),
      ...failuresOf('catalog', catalog),
      ...failuresOf('pricing', pricing),
    ]).toEqual([]);
    expect(gateway.ok).toBeGreaterThan(100);
    expect(valuesOf(gateway)).toEqual(new Set(REAL_VALUES));

    // Every instance tried to deliver its events and was refused.
    const refusedClients = (payloads: readonly EventPayloadRecord[]): Set<string> =>
      new Set(
        payloads
          .filter(
            (payload) =>
              payload.endpoint === 'bulk' && payload.status === 503 && payload.receivedAt >= faultAt,
          )
          .map((payload) => String(payload.headers['x-launchdarkly-instance-id'])),
      );
    await fixture.double.waitForEventPayloads(
      (payloads) => refusedClients(payloads).size >= TOTAL_INSTANCES,
      15_000,
    );
    expect(
      fixture.double
        .events()
        .filter((event) => event.kind === 'index' && Number(event.creationDate) >= faultAt),
    ).toEqual([]);

    const after = await fixture.fleet.list();
    expectAllOnlineUnrestarted(after, pids);
    const memoryBefore = new Map(before.map((instance) => [instance.pm_id, instance.monit?.memory]));
    const memoryProblems = after.flatMap((instance) => {
      const label = `${instance.name} pm_id ${instance.pm_id}`;
      const was = memoryBefore.get(instance.pm_id);
      const now = instance.monit?.memory;
      if (!was || !now) return [`${label}: no memory reading from pm2 jlist`];
      return [
        ...(now < MEMORY_LIMIT ? [] : [`${label}: ${Math.round(now / MB)} MB`]),
        ...(now - was < MEMORY_GROWTH_LIMIT ? [] : [`${label}: grew by ${Math.round((now - was) / MB)} MB`]),
      ];
    });
    expect(memoryProblems).toEqual([]);
    expect(await everyLog(fixture.fleet)).not.toContain('Crashed');
  }, 90_000);
});

describe('claim 12: a worker killed with SIGKILL — PM2 replaces it, with its own client and stream, while the others keep serving', () => {
  const fixture = useFleetWithDouble({ instances: INSTANCES_PER_SERVICE, untilEveryInstanceHasFlags: true });
  const GATEWAY_CONCURRENCY = 3;
  const CATALOG_CONCURRENCY = 4;
  /** What the kill test saw, for the test of the load's outcome. */
  let outcome:
    | {
        readonly victimLabel: string;
        readonly killedAt: number;
        readonly onlineAt: number;
        readonly loads: Readonly<Record<'gateway' | 'catalog', TimedLoad<string>>>;
      }
    | undefined;

  /** `catalog#1 sort=price-asc`: who answered, and with which flag values. */
  const servedByAndFlags = (response: LoadResponse): string =>
    `${String(response.headers['x-served-by'])} ${flagValuesIn(response)}`;

  it('starts a new catalog worker (new pid, same name, online) that initialises its own client and opens its own stream', async () => {
    const before = await fixture.fleet.list();
    const victim = before.find((instance) => instance.name === 'catalog')!;
    const victimLabel = `catalog#${String(victim.pm2_env.NODE_APP_INSTANCE)}`;
    const originalStreams = fixture.double.openStreams();
    expect(originalStreams).toHaveLength(TOTAL_INSTANCES);
    const originalClients = new Set(originalStreams.map((stream) => stream.instanceId));

    const loads = {
      gateway: timedLoad({
        baseUrl: fixture.fleet.url('gateway', ''),
        concurrency: GATEWAY_CONCURRENCY,
        durationMs: 90_000,
        request: (index) => gatewayRequest(index),
        extract: servedByAndFlags,
      }),
      catalog: timedLoad({
        baseUrl: fixture.fleet.url('catalog', ''),
        concurrency: CATALOG_CONCURRENCY,
        durationMs: 90_000,
        request: catalogRequest,
        extract: servedByAndFlags,
      }),
    };
    await moreRequests([loads.gateway, loads.catalog], 50, 'the load to get going');

    const killedAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');

    const replacement = await waitFor(
      `PM2 to bring a new worker online for pm_id ${victim.pm_id}`,
      async () => {
        const instance = (await fixture.fleet.list()).find((candidate) => candidate.pm_id === victim.pm_id);
        return instance && instance.pid !== victim.pid && instance.pm2_env.status === 'online'
          ? instance
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const initLine = await waitFor(
      `the init line of pid ${replacement.pid}`,
      async () =>
        initLinesOf(await fixture.fleet.outLines(), victim).find((line) =>
          line.includes(` pid=${replacement.pid} `),
        ),
      { timeoutMs: 10_000 },
    );
    // The worker logs this line right after telling PM2 it is ready: when it went online.
    const onlineAt = lineTime(initLine);
    const [newStream] = await fixture.double.waitForStreams(
      1,
      20_000,
      (record) => hadPut(record) && !originalClients.has(record.instanceId),
    );
    await waitFor('six open streams', () => fixture.double.openStreams().length === TOTAL_INSTANCES, {
      timeoutMs: 10_000,
    });
    await moreRequests([loads.gateway, loads.catalog], 100, 'more requests after the new worker is online');
    await Promise.all([loads.gateway.run.stop(), loads.catalog.run.stop()]);
    outcome = { victimLabel, killedAt, onlineAt, loads };

    expect(replacement).toMatchObject({ name: 'catalog', pm2_env: { status: 'online', restart_time: 1 } });
    expect(replacement.pid).not.toBe(victim.pid);
    expect(() => process.kill(victim.pid, 0)).toThrow();
    const after = await fixture.fleet.list();
    expect(after).toHaveLength(TOTAL_INSTANCES);
    const pidsBefore = pidsById(before);
    for (const instance of after.filter((candidate) => candidate.pm_id !== victim.pm_id)) {
      expect(instance).toMatchObject({
        pid: pidsBefore.get(instance.pm_id),
        pm2_env: { status: 'online', restart_time: 0 },
      });
    }

    expect(initLine).toContain(
      `${victimLabel} pid=${replacement.pid} LaunchDarkly client initialized mode=relay`,
    );
    const victimInitLines = initLinesOf(await fixture.fleet.outLines(), victim);
    expect(victimInitLines).toEqual([
      expect.stringContaining(` pid=${victim.pid} LaunchDarkly client initialized`),
      initLine,
    ]);

    expect(newStream!.instanceId).toBeDefined();
    expect(originalClients.has(newStream!.instanceId)).toBe(false);
    expect(fixture.double.streams()).toHaveLength(TOTAL_INSTANCES + 1);
    const open = fixture.double.openStreams();
    expect(open).toHaveLength(TOTAL_INSTANCES);
    expect(open.map((stream) => stream.id)).toContain(newStream!.id);
    // Only the killed worker's stream closed.
    expect(originalStreams.filter((stream) => !open.some((still) => still.id === stream.id))).toHaveLength(1);
  }, 120_000);

  it('keeps the other instances serving: failures only around the kill, none for requests sent once the successor is online', () => {
    expect(outcome).toBeDefined();
    const { victimLabel, killedAt, onlineAt, loads } = outcome!;
    for (const [name, load] of Object.entries(loads)) {
      const failed = load.timed.filter((timed) => timed.record.outcome !== 'ok');
      const ok = load.timed.filter((timed) => timed.record.outcome === 'ok');
      const described = (timed: TimedRecord<string>): string =>
        `${name} loop ${timed.record.loop}: ${timed.record.kind}, sent ${timed.startedAt - killedAt} ms after the kill`;

      // No request sent once the new worker was online failed…
      expect(failed.filter((timed) => timed.startedAt >= onlineAt).map(described)).toEqual([]);
      // …and every failure was a connection lost with the killed worker: a reset or no answer, or
      // through the gateway its 502/504 for such an upstream call; never an error from a live instance.
      const lostConnection = (timed: TimedRecord<string>): boolean =>
        timed.record.outcome === 'error' ||
        timed.record.outcome === 'timeout' ||
        (name === 'gateway' && (timed.record.status === 502 || timed.record.status === 504));
      expect(failed.filter((timed) => !lostConnection(timed)).map(described)).toEqual([]);
      // At most two per connection: the request in flight on the killed worker, and one new
      // connection PM2's cluster master handed to it in the moment before it saw the death.
      const failuresPerLoop = new Map<number, number>();
      for (const timed of failed) {
        failuresPerLoop.set(timed.record.loop, (failuresPerLoop.get(timed.record.loop) ?? 0) + 1);
      }
      expect(Math.max(0, ...failuresPerLoop.values())).toBeLessThanOrEqual(2);

      // Successes went on while the worker was gone and after its successor came up…
      expect(
        ok.filter((timed) => timed.endedAt > killedAt && timed.endedAt < onlineAt).length,
      ).toBeGreaterThan(0);
      expect(ok.filter((timed) => timed.startedAt > onlineAt).length).toBeGreaterThan(50);
      // …all with real flag values: the new worker listened only after its put.
      const flagValues = new Set(ok.map((timed) => timed.record.value!.split(' ').slice(1).join(' ')));
      expect([...flagValues].filter((value) => !REAL_VALUES.includes(value))).toEqual([]);
    }

    // The catalog requests in flight at the kill were on connections to the killed worker.
    const catalogTimed = loads.catalog.timed;
    for (const failure of catalogTimed.filter(
      (timed) => timed.record.outcome !== 'ok' && timed.startedAt <= killedAt,
    )) {
      const previous = catalogTimed
        .filter(
          (timed) => timed.record.loop === failure.record.loop && timed.record.index < failure.record.index,
        )
        .at(-1);
      expect(previous?.record.value?.split(' ')[0]).toBe(victimLabel);
    }
  });
});
