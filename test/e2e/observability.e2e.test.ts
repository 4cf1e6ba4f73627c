import { PM2_METRIC_NAMES } from '../../shared/metrics';
import { DOUBLE_SDK_KEY } from '../support/fleet-flags';
import { useFleetWithDouble } from '../support/fleet-fixture';
import { runLoad } from '../support/load-client';
import type { Fleet } from '../support/pm2-fleet';
import { waitFor } from '../support/wait-for';

const INSTANCES_PER_SERVICE = 2;
const TOTAL_INSTANCES = 3 * INSTANCES_PER_SERVICE;
const SERVICES = ['gateway', 'catalog', 'pricing'] as const;
type Service = (typeof SERVICES)[number];

interface EventCounts {
  readonly queued: number | null;
  readonly dropped: number | null;
  readonly delivered: number | null;
  readonly failedFlushes: number;
}

interface StatusReport {
  readonly process: { readonly name: string; readonly pmId: number; readonly pid: number };
  readonly status: {
    readonly service: string;
    readonly instance: string;
    readonly pid: number;
    readonly events?: EventCounts | null;
  } | null;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

async function statusReports(fleet: Fleet): Promise<StatusReport[]> {
  const result = await fleet.status('--json');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { instances: StatusReport[] }).instances;
}

/** The sum of one event count over the instances of a service (or of all of them). */
function eventTotal(reports: readonly StatusReport[], count: keyof EventCounts, service?: Service): number {
  return reports
    .filter((report) => service === undefined || report.process.name === service)
    .reduce((sum, report) => sum + (report.status?.events?.[count] ?? 0), 0);
}

/** The instance's own /metrics, from its own port (base + NODE_APP_INSTANCE). */
async function scrape(fleet: Fleet, service: Service, instance: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${fleet.metricsPorts[service] + instance}/metrics`, {
    signal: AbortSignal.timeout(3000),
  });
  expect(response.status).toBe(200);
  return response.text();
}

/** The sum of every series of a metric whose labels contain all of `labels`. */
function sumOf(text: string, metric: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== metric) continue;
    if (Object.entries(labels).every(([name, value]) => match[2]!.includes(`${name}="${value}"`))) {
      sum += Number(match[3]);
    }
  }
  return sum;
}

async function serviceTotal(fleet: Fleet, service: Service, metric: string, labels = {}): Promise<number> {
  let total = 0;
  for (let instance = 0; instance < INSTANCES_PER_SERVICE; instance += 1) {
    total += sumOf(await scrape(fleet, service, instance), metric, labels);
  }
  return total;
}

describe('observability of a healthy fleet', () => {
  const fixture = useFleetWithDouble({ instances: INSTANCES_PER_SERVICE });

  it('npm run status lists every instance, as it describes itself, healthy, exits 0 and never shows the SDK key', async () => {
    const { fleet } = fixture;
    const [text, json, instances] = await Promise.all([fleet.status(), fleet.status('--json'), fleet.list()]);

    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    const rows = text.stdout.split('\n').filter((line) => /^(gateway|catalog|pricing) +\d/.test(line));
    expect(rows).toHaveLength(TOTAL_INSTANCES);
    for (const instance of instances) {
      expect(rows).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^${instance.name} +\\d +${instance.pm_id} +${instance.pid} +online .* relay +yes .* ok$`,
          ),
        ),
      );
    }
    expect(text.stdout + json.stdout).not.toContain(DOUBLE_SDK_KEY);

    expect(json.code).toBe(0);
    const { instances: reports } = JSON.parse(json.stdout) as { instances: StatusReport[] };
    expect(reports).toHaveLength(TOTAL_INSTANCES);
    // Every line was answered by the very process PM2 lists under that pm_id.
    for (const report of reports) {
      expect(report.status?.pid).toBe(report.process.pid);
      expect(report.status?.service).toBe(report.process.name);
      expect(report.problems).toEqual([]);
    }
    expect(new Set(reports.map((report) => `${report.process.name}#${report.status?.instance}`)).size).toBe(
      TOTAL_INSTANCES,
    );
  }, 60_000);

  it('npm run status counts analytics events per instance: queued or delivered for every new user, then all delivered as the endpoint received them, none dropped', async () => {
    const { fleet, double } = fixture;
    const USERS = 40;
    const summary = await runLoad({
      baseUrl: fleet.url('gateway', ''),
      concurrency: 4,
      maxRequests: USERS,
      request: (index) => ({
        path: '/api/products?limit=1',
        headers: { 'X-User-Key': `status-user-${index}` },
      }),
    });
    expect(summary.failed).toBe(0);

    // A new user is one index event on the gateway and one on the catalog instance that served it:
    // still queued, or delivered by a flush (every 5 s) since.
    const afterLoad = await statusReports(fleet);
    for (const service of ['gateway', 'catalog'] as const) {
      const seen = eventTotal(afterLoad, 'queued', service) + eventTotal(afterLoad, 'delivered', service);
      expect(seen).toBeGreaterThanOrEqual(USERS);
    }

    // After a flush, nothing is queued, and what the instances count as delivered is what the
    // events endpoint received (summary events aside: the counts leave them out).
    const received = () => double.events().filter((event) => event.kind !== 'summary').length;
    const flushed = await waitFor(
      'every instance to deliver its queued events',
      async () => {
        const reports = await statusReports(fleet);
        const settled =
          eventTotal(reports, 'queued') === 0 && eventTotal(reports, 'delivered') === received();
        return settled && reports;
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    expect(received()).toBeGreaterThanOrEqual(2 * USERS);
    expect(eventTotal(flushed, 'dropped')).toBe(0);
    expect(eventTotal(flushed, 'failedFlushes')).toBe(0);
    expect(flushed.flatMap((report) => report.warnings)).toEqual([]);

    const text = await fleet.status();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ last error +events queued +dropped +delivered +failed flushes +health\n/);
    const rows = text.stdout.split('\n').filter((line) => /^(gateway|catalog|pricing) +\d/.test(line));
    expect(rows).toHaveLength(TOTAL_INSTANCES);
    const delivered = { gateway: 0, catalog: 0, pricing: 0 };
    for (const row of rows) {
      // events queued 0, dropped 0, delivered n, failed flushes 0
      const columns = /^(\w+) .* relay +yes .* 0 +0 +(\d+) +0 +ok$/;
      expect(row).toMatch(columns);
      const [, service, count] = columns.exec(row)!;
      delivered[service as Service] += Number(count);
    }
    expect(delivered.gateway).toBeGreaterThanOrEqual(USERS);
    expect(delivered.catalog).toBeGreaterThanOrEqual(USERS);
    expect(delivered.pricing).toBe(0);
    expect(delivered.gateway + delivered.catalog).toBe(received());
  }, 30_000);

  it('each instance serves its own /metrics on its own port; flag evaluations count up with traffic', async () => {
    const { fleet } = fixture;
    for (const service of SERVICES) {
      for (let instance = 0; instance < INSTANCES_PER_SERVICE; instance += 1) {
        // Several scrapes, all from the same instance: no round-robin on a metrics port.
        const texts = await Promise.all([1, 2, 3].map(() => scrape(fleet, service, instance)));
        for (const text of texts) {
          const own = { service, service_instance: String(instance) };
          expect(sumOf(text, 'flag_client_initialized', own)).toBe(1);
          expect(sumOf(text, 'flag_client_initialized')).toBe(1);
          expect(sumOf(text, 'flag_client_info', { ...own, mode: 'relay' })).toBe(1);
          expect(sumOf(text, 'process_resident_memory_bytes', own)).toBeGreaterThan(0);
        }
      }
    }

    const maintenanceBefore = await serviceTotal(fleet, 'gateway', 'flag_evaluations_total', {
      flag: 'maintenance-mode',
    });
    const sortBefore = await serviceTotal(fleet, 'catalog', 'flag_evaluations_total', {
      flag: 'catalog-sort',
    });
    const REQUESTS = 120;
    const summary = await runLoad({
      baseUrl: fleet.url('gateway', ''),
      concurrency: 4,
      maxRequests: REQUESTS,
      request: () => ({ path: '/api/products?limit=1' }),
    });
    expect(summary.failed).toBe(0);

    // One maintenance-mode evaluation per gateway request, one catalog-sort per catalog request.
    const maintenanceAfter = await serviceTotal(fleet, 'gateway', 'flag_evaluations_total', {
      flag: 'maintenance-mode',
    });
    const sortAfter = await serviceTotal(fleet, 'catalog', 'flag_evaluations_total', {
      flag: 'catalog-sort',
    });
    expect(maintenanceAfter - maintenanceBefore).toBe(REQUESTS);
    expect(sortAfter - sortBefore).toBe(REQUESTS);
    expect(
      await serviceTotal(fleet, 'catalog', 'flag_evaluations_total', {
        flag: 'catalog-sort',
        variation: '2',
      }),
    ).toBe(sortAfter);
    expect(
      await serviceTotal(fleet, 'gateway', 'http_request_duration_seconds_count', {
        route: '/api/products',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(REQUESTS);
  }, 60_000);

  it('publishes flag client state and request figures as PM2 custom metrics (pm2 show, pm2 jlist)', async () => {
    const { fleet } = fixture;
    await runLoad({
      baseUrl: fleet.url('gateway', ''),
      concurrency: 2,
      maxRequests: 40,
      request: () => ({ path: '/api/products?limit=1' }),
    });
    // Published every 5 s: wait for a round that has seen the traffic.
    await waitFor(
      'every gateway instance to publish its requests of the last minute',
      async () => {
        const gateways = (await fleet.list()).filter((instance) => instance.name === 'gateway');
        return gateways.every((instance) => {
          const probes = instance.pm2_env.axm_monitor;
          return Number(probes?.['Requests, last min']?.value) > 0;
        });
      },
      { timeoutMs: 12_000, intervalMs: 500 },
    );
    for (const instance of await fleet.list()) {
      expect(instance.pm2_env.axm_monitor).toMatchObject({
        'Flag client mode': { value: 'relay' },
        'Flags initialized': { value: 'yes' },
        'Flag client last error': { value: 'none' },
      });
    }
    const show = await fleet.pm2('show', 'gateway');
    expect(show).toMatch(/Flags initialized\s+│ yes/);
    expect(show).toMatch(/Requests, last min\s+│ [1-9]\d* req\/min/);
    expect(show).toContain('p95 latency, last min');
    // PM2's own metrics are listed beside ours; none of theirs reads like one of ours.
    for (const instance of await fleet.list()) {
      const names = Object.keys(instance.pm2_env.axm_monitor ?? {});
      expect(names).toEqual(expect.arrayContaining([...PM2_METRIC_NAMES]));
      const pm2Own = names.filter((name) => !(PM2_METRIC_NAMES as readonly string[]).includes(name));
      expect(pm2Own.filter((name) => /^(flag|requests|5xx|p95)/i.test(name))).toEqual([]);
    }
  }, 30_000);

  it('still reports the fleet healthy right after a pm2 reload, so it can gate a rollout', async () => {
    const { fleet } = fixture;
    await fleet.reload();
    const result = await fleet.status();
    expect(result.code).toBe(0);
    expect((await fleet.list()).every((instance) => instance.pm2_env.restart_time === 1)).toBe(true);
  }, 60_000);

  it('after pm2 reload ecosystem.config.js, every instance still serves /metrics on its own port, from its new process', async () => {
    // The reason the port is base + NODE_APP_INSTANCE and not PM2's increment_var, which this reload
    // resets to the base in every instance (docs/metrics.md).
    const { fleet } = fixture;
    const reloadedAt = Date.now();
    await fleet.reload();
    const instances = await fleet.list();

    for (const service of SERVICES) {
      for (let instance = 0; instance < INSTANCES_PER_SERVICE; instance += 1) {
        const listed = instances.find(
          (candidate) =>
            candidate.name === service && Number(candidate.pm2_env.NODE_APP_INSTANCE) === instance,
        )!;
        expect(listed.pm2_env.pm_uptime).toBeGreaterThanOrEqual(reloadedAt);
        // Several scrapes: a port shared by two instances would answer from either.
        for (const text of await Promise.all([1, 2, 3].map(() => scrape(fleet, service, instance)))) {
          const own = { service, service_instance: String(instance) };
          expect(sumOf(text, 'flag_client_initialized')).toBe(1);
          expect(sumOf(text, 'flag_client_initialized', own)).toBe(1);
          // prom-client's start time (whole seconds, rounded down) is that of a process started in the reload.
          const startedAt = sumOf(text, 'process_start_time_seconds', own);
          expect(startedAt).toBeGreaterThanOrEqual(Math.floor(reloadedAt / 1000));
        }
      }
    }
  }, 60_000);
});

describe('npm run status on a fleet whose SDK key is refused (401)', () => {
  const WRONG_KEY = 'sdk-e2e-refused-key';
  const fixture = useFleetWithDouble({
    instances: INSTANCES_PER_SERVICE,
    env: { LAUNCHDARKLY_SDK_KEY: WRONG_KEY },
  });

  it('reports every instance unhealthy because its flags are not initialized, and exits 1', async () => {
    const result = await fixture.fleet.status();

    expect(result.code).toBe(1);
    const rows = result.stdout.split('\n').filter((line) => /^(gateway|catalog|pricing) +\d/.test(line));
    expect(rows).toHaveLength(TOTAL_INSTANCES);
    expect(rows.every((row) => / relay +no .* UNHEALTHY$/.test(row))).toBe(true);
    expect(result.stdout.match(/: flags not initialized$/gm)).toHaveLength(TOTAL_INSTANCES);
    expect(result.stdout).toMatch(/last flag error: Authentication failed/);
    expect(result.stdout + result.stderr).not.toContain(WRONG_KEY);
  }, 60_000);

  it('exits 1 naming the daemon when no fleet runs at that PM2_HOME', async () => {
    await fixture.fleet.pm2('kill');
    const result = await fixture.fleet.status();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`No PM2 daemon is running for PM2_HOME=${fixture.fleet.home}`);
  }, 60_000);
});
