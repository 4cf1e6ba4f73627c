import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../support/fleet-flags';
import { startLaunchDarklyDouble, type LaunchDarklyDouble } from '../support/launchdarkly-double';
import { useFleetWithDouble } from '../support/fleet-fixture';
import { runLoad } from '../support/load-client';
import { createFleet, type Fleet, type Pm2Instance } from '../support/pm2-fleet';
import { waitFor } from '../support/wait-for';

const INSTANCES_PER_SERVICE = 2;
const TOTAL_INSTANCES = 3 * INSTANCES_PER_SERVICE;
const SERVICES = ['gateway', 'catalog', 'pricing'] as const;

describe('one LaunchDarkly stream per instance', () => {
  const fixture = useFleetWithDouble({ instances: INSTANCES_PER_SERVICE });

  it('opens exactly one stream per instance, each from a distinct SDK instance', async () => {
    const streams = await fixture.double.waitForStreams(TOTAL_INSTANCES, 10_000);
    expect(fixture.double.streams()).toHaveLength(TOTAL_INSTANCES);
    expect(new Set(streams.map((stream) => stream.instanceId)).size).toBe(TOTAL_INSTANCES);
    expect(fixture.double.openStreams()).toHaveLength(TOTAL_INSTANCES);
  });

  it('shows in the logs exactly one init line per instance, in relay mode, with its pid', async () => {
    const instances = await fixture.fleet.list();
    const lines = await fixture.fleet.outLines();
    expect(instances).toHaveLength(TOTAL_INSTANCES);
    for (const instance of instances) {
      const initLines = (lines.get(instance.pm_id) ?? []).filter((line) =>
        line.includes('LaunchDarkly client'),
      );
      expect(initLines).toEqual([
        expect.stringContaining(`pid=${instance.pid} LaunchDarkly client initialized mode=relay`),
      ]);
    }
  });

  it('never shows the SDK key: not in a log, not in a response', async () => {
    const { fleet } = fixture;
    const responses = await Promise.all(
      [
        fleet.url('gateway', '/readyz'),
        fleet.url('catalog', '/readyz'),
        fleet.url('pricing', '/readyz'),
        fleet.url('gateway', '/api/products?limit=1'),
        fleet.url('gateway', '/api/nowhere'),
        fleet.url('catalog', '/products?limit=oops'),
      ].map(async (url) => {
        const response = await fetch(url);
        return `${JSON.stringify([...response.headers])}\n${await response.text()}`;
      }),
    );
    const lines = await fleet.outLines();
    const everything =
      [...lines.values()].flat().join('\n') + (await fleet.daemonLog()) + responses.join('\n');
    expect(responses.join('')).toContain('"flags"');
    expect(everything).not.toContain(DOUBLE_SDK_KEY);
  });

  it('still has one stream per instance after a minute of traffic: no client per request, no reconnect storm', async () => {
    const summary = await runLoad({
      baseUrl: fixture.fleet.url('gateway', ''),
      concurrency: 4,
      durationMs: 60_000,
      request: (index) =>
        index % 3 === 2
          ? { method: 'POST', path: '/api/quotes', body: { items: [{ sku: 'KB-001', quantity: 1 }] } }
          : { path: '/api/products?limit=2', headers: { 'X-User-Key': `user-${index % 50}` } },
    });

    expect(summary.failed).toBe(0);
    expect(summary.ok).toBeGreaterThan(1000);
    expect(fixture.double.streams()).toHaveLength(TOTAL_INSTANCES);
    expect(fixture.double.openStreams()).toHaveLength(TOTAL_INSTANCES);
  }, 90_000);
});

describe('ready means initialised', () => {
  const PUT_DELAY_MS = 1500;
  let double: LaunchDarklyDouble;
  let fleet: Fleet | undefined;

  beforeAll(async () => {
    double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
    double.faults.delayFirstPutMs = PUT_DELAY_MS;
  });

  afterAll(async () => {
    await fleet?.destroy();
    await double.close();
  }, 30_000);

  it('no instance is online in PM2 or ready on /readyz before it has flags, and none serves fallbacks after', async () => {
    fleet = await createFleet({ instances: INSTANCES_PER_SERVICE, env: launchDarklyEnv(double) });
    let started = false;
    const starting = fleet.start().finally(() => (started = true));
    const violations: string[] = [];
    let onlineSeen = 0;

    while (!started) {
      const instances = await fleet.list().catch((): Pm2Instance[] => []);
      // Counted after the listing: puts only grow, so every instance online in it had its put by now.
      const putsSoFar = double.streams().filter((stream) => stream.putAt !== undefined).length;
      const online = instances.filter((instance) => instance.pm2_env.status === 'online').length;
      onlineSeen = Math.max(onlineSeen, online);
      if (online > putsSoFar) violations.push(`${online} instances online with only ${putsSoFar} puts sent`);
      for (const service of SERVICES) {
        const readyz = await fetch(fleet.url(service, '/readyz'), {
          signal: AbortSignal.timeout(1000),
        }).catch(() => undefined);
        if (readyz?.status === 200) {
          const body = (await readyz.json()) as { flags: { initialized: boolean } };
          if (!body.flags.initialized) violations.push(`${service} answered /readyz 200 without flags`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await starting;

    expect(violations).toEqual([]);
    expect(double.streams().every((stream) => stream.putAt! - stream.openedAt >= PUT_DELAY_MS - 50)).toBe(
      true,
    );
    const summary = await runLoad({
      baseUrl: fleet.url('gateway', ''),
      concurrency: 4,
      maxRequests: 400,
      request: () => ({ path: '/api/products?limit=1' }),
      extract: (response) => (JSON.parse(response.body) as { sort: string }).sort,
    });
    expect(summary.failed).toBe(0);
    expect(new Set(summary.records.map((record) => record.value))).toEqual(new Set(['newest']));
    await waitFor('every instance online', async () =>
      (await fleet!.list()).every((instance) => instance.pm2_env.status === 'online'),
    );
  }, 90_000);
});
