import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../support/fleet-flags';
import { startLaunchDarklyDouble, type LaunchDarklyDouble } from '../support/launchdarkly-double';
import { useFleetWithDouble } from '../support/fleet-fixture';
import { startLoad, type LoadSummary } from '../support/load-client';
import { startFleet, type Fleet } from '../support/pm2-fleet';

const INSTANCES_PER_SERVICE = 2;

/** Every failed request of a load run, as `kind × count`, for a readable assertion message. */
function failuresOf(name: string, summary: LoadSummary<unknown>): string[] {
  return Object.entries(summary.failures).map(([kind, count]) => `${name}: ${count} × ${kind}`);
}

describe('zero-downtime rollout with pm2 reload', () => {
  const fixture = useFleetWithDouble({ instances: INSTANCES_PER_SERVICE });

  it('rolls the whole fleet under keep-alive load with zero failed requests, every old worker leaving by itself', async () => {
    const before = await fixture.fleet.list();
    const quote = { items: [{ sku: 'KB-001', quantity: 1 }] };
    const loads = {
      gateway: startLoad({
        baseUrl: fixture.fleet.url('gateway', ''),
        concurrency: 6,
        durationMs: 120_000,
        request: (index) =>
          index % 2 === 0
            ? { path: '/api/products?limit=2' }
            : { method: 'POST', path: '/api/quotes', body: quote },
      }),
      catalog: startLoad({
        baseUrl: fixture.fleet.url('catalog', ''),
        concurrency: 3,
        durationMs: 120_000,
        request: () => ({ path: '/products?limit=2' }),
      }),
      pricing: startLoad({
        baseUrl: fixture.fleet.url('pricing', ''),
        concurrency: 3,
        durationMs: 120_000,
        request: () => ({ method: 'POST', path: '/quotes', body: quote }),
      }),
    };

    const reloadStartedAt = Date.now();
    await fixture.fleet.reload();
    const reloadMs = Date.now() - reloadStartedAt;
    const summaries = {
      gateway: await loads.gateway.stop(),
      catalog: await loads.catalog.stop(),
      pricing: await loads.pricing.stop(),
    };

    const failures = Object.entries(summaries).flatMap(([name, summary]) => failuresOf(name, summary));
    expect(failures).toEqual([]);
    for (const summary of Object.values(summaries)) expect(summary.ok).toBeGreaterThan(100);

    const after = await fixture.fleet.list();
    expect(after).toHaveLength(before.length);
    for (const instance of after) {
      expect(instance.pm2_env.status).toBe('online');
      expect(before.map((old) => old.pid)).not.toContain(instance.pid);
    }

    const daemonLog = await fixture.fleet.daemonLog();
    expect(daemonLog).not.toMatch(/SIGKILL|still alive after/);
    const lines = await fixture.fleet.outLines();
    for (const old of before) {
      const own = (lines.get(old.pm_id) ?? []).filter((line) => line.includes(` pid=${old.pid} `));
      expect(own.some((line) => line.includes('Shutdown complete exitCode=0'))).toBe(true);
      const drained = own.find((line) => line.includes('Connections drained'));
      const drainMs = Number(/durationMs=(\d+)/.exec(drained ?? '')?.[1]);
      // Well under kill_timeout (16 s): the idle-socket grace (1 s) plus the last in-flight request.
      expect(drainMs).toBeLessThan(5_000);
    }
    // Six instances, each replaced one after another; a step stuck until kill_timeout would show here.
    expect(reloadMs).toBeLessThan(before.length * 6_000);
  }, 180_000);
});

describe('no analytics event lost', () => {
  let double: LaunchDarklyDouble;
  let fleet: Fleet | undefined;

  beforeEach(async () => {
    double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
    fleet = await startFleet({ instances: INSTANCES_PER_SERVICE, env: launchDarklyEnv(double) });
  }, 90_000);

  afterEach(async () => {
    await fleet?.destroy();
    await double.close();
  }, 30_000);

  async function trafficWithDistinctUsers(during?: () => Promise<unknown>) {
    const run = startLoad({
      baseUrl: fleet!.url('gateway', ''),
      concurrency: 4,
      maxRequests: 600,
      request: (index) => ({ path: '/api/products?limit=1', headers: { 'X-User-Key': `user-${index}` } }),
    });
    if (during) {
      while (run.completed() < 200) await new Promise((resolve) => setTimeout(resolve, 20));
      await during();
    }
    const summary = await run.result;
    expect(failuresOf('gateway', summary)).toEqual([]);
    return summary;
  }

  async function expectEveryEventDelivered(requests: number) {
    await fleet!.pm2('stop', 'all');
    const expectedKeys = Array.from({ length: requests }, (_, index) => `user-${index}`);
    await double.waitForEvents(() => expectedKeys.every((key) => double.contextKeys().includes(key)), 20_000);
    // Each gateway request evaluates maintenance-mode once; each catalog request, catalog-sort once.
    expect(double.summaryCounts('maintenance-mode')).toBe(requests);
    expect(double.summaryCounts('catalog-sort')).toBe(requests);
  }

  it('after pm2 stop, every user appears in the events and the summary counters add up to the evaluations', async () => {
    const summary = await trafficWithDistinctUsers();
    await expectEveryEventDelivered(summary.total);
  }, 90_000);

  it('the same holds across a pm2 reload in the middle of the traffic', async () => {
    const summary = await trafficWithDistinctUsers(() => fleet!.reload());
    await expectEveryEventDelivered(summary.total);
  }, 120_000);
});
