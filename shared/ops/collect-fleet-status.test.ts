import type { FlagClientState, FlagEventsState } from '../flags';
import { collectFleetStatus } from './collect-fleet-status';
import { fleetIsHealthy, formatStatus } from './format-status';
import { warningsOf } from './instance-health';
import type { Pm2BusMessage, Pm2Client, Pm2Process } from './pm2-client';
import { isStatusQuery, statusReply, type InstanceStatus } from './status-protocol';

const initialized: FlagClientState = {
  mode: 'relay',
  initialized: true,
  initDurationMs: 8,
  lastUpdateAt: '2026-01-01T00:00:00.000Z',
  lastError: null,
};

const eventsFlowing: FlagEventsState = {
  queued: 3,
  capacity: 10_000,
  dropped: 0,
  delivered: 120,
  failedFlushes: 0,
  lastFlushError: null,
};

function proc(pmId: number, overrides: Partial<Pm2Process> = {}): Pm2Process {
  return {
    name: 'catalog',
    pmId,
    pid: 1000 + pmId,
    status: 'online',
    restarts: 0,
    unstableRestarts: 0,
    startedAt: Date.parse('2026-01-01T00:00:00.000Z'),
    memoryBytes: 80 * 1024 * 1024,
    ...overrides,
  };
}

/**
 * A PM2 whose instances answer like the runner does, through the bus; `answer` decides what each
 * says (undefined: it stays silent).
 */
function fakePm2(
  processes: Pm2Process[],
  answer: (process: Pm2Process) => Partial<InstanceStatus> | undefined = () => ({}),
) {
  const listeners: Array<(message: Pm2BusMessage) => void> = [];
  const asked: number[] = [];
  const client: Pm2Client = {
    list: async () => processes,
    async sendData(pmId, packet) {
      asked.push(pmId);
      const process = processes.find((candidate) => candidate.pmId === pmId)!;
      const query = { type: 'process:msg', ...packet };
      const fields = answer(process);
      if (!isStatusQuery(query) || fields === undefined) return;
      const status: InstanceStatus = {
        service: process.name,
        instance: String(pmId),
        pid: process.pid,
        phase: 'serving',
        flags: initialized,
        events: eventsFlowing,
        ...fields,
      };
      // Someone else's status command, answered at the same time, must be ignored.
      const other = statusReply({ ...query, data: { queryId: 'someone-else' } }, { ...status, pid: 1 });
      setImmediate(() => {
        listeners.forEach((listener) => listener({ pmId, data: other.data }));
        listeners.forEach((listener) => listener({ pmId, data: statusReply(query, status).data }));
      });
    },
    onMessage: (listener) => listeners.push(listener),
    close: () => undefined,
  };
  return { client, asked };
}

describe('collectFleetStatus', () => {
  it('reports every instance as it describes itself, healthy, without waiting out the timeout', async () => {
    const { client } = fakePm2([proc(1), proc(0, { name: 'gateway' })]);
    const startedAt = Date.now();
    const { instances: reports } = await collectFleetStatus(client, { timeoutMs: 60_000 });
    // Well before its timeout: it returned on the last answer.
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(reports.map((report) => [report.process.name, report.status?.pid, report.problems])).toEqual([
      ['catalog', 1001, []],
      ['gateway', 1000, []],
    ]);
    expect(fleetIsHealthy(reports)).toBe(true);
  });

  it('names what is wrong: not online, crash-looping, silent, flags not initialized, draining', async () => {
    const { client, asked } = fakePm2(
      [
        proc(0, { status: 'errored' }),
        proc(1, { restarts: 3, unstableRestarts: 2 }),
        proc(2),
        proc(3),
        proc(4),
      ],
      (process) => {
        if (process.pmId === 2) return undefined;
        if (process.pmId === 3) return { flags: { ...initialized, initialized: false } };
        if (process.pmId === 4) return { phase: 'draining' };
        return {};
      },
    );
    const { instances: reports } = await collectFleetStatus(client, { timeoutMs: 200 });
    expect(asked).toEqual([1, 2, 3, 4]);
    expect(reports.map((report) => report.problems)).toEqual([
      ['PM2 status is errored'],
      ['crash-looping: 2 unstable restart(s)'],
      ['did not answer the status query'],
      ['flags not initialized'],
      ['is draining'],
    ]);
    expect(fleetIsHealthy(reports)).toBe(false);
  });

  it('a restart alone (every pm2 reload is one) is not a problem; a crash loop is', async () => {
    const { client } = fakePm2([proc(0, { restarts: 4 })], () => ({}));
    const { instances: reports } = await collectFleetStatus(client, { timeoutMs: 200 });
    expect(reports.map((report) => report.problems)).toEqual([[]]);
    expect(fleetIsHealthy(reports)).toBe(true);
  });

  it('an empty fleet is not a healthy one', async () => {
    const { instances: reports } = await collectFleetStatus(fakePm2([]).client, { timeoutMs: 50 });
    expect(reports).toEqual([]);
    expect(fleetIsHealthy(reports)).toBe(false);
    expect(formatStatus(reports)).toMatch(/not running/);
  });
});

describe('collectFleetStatus with the fleet list', () => {
  it('judges only the fleet services: other PM2 processes are listed apart, never asked, never unhealthy', async () => {
    const logrotate = proc(7, { name: 'pm2-logrotate', status: 'errored' });
    const { client, asked } = fakePm2([proc(1), logrotate]);
    const status = await collectFleetStatus(client, { services: ['catalog', 'orders'], timeoutMs: 5_000 });

    expect(status.instances.map((report) => report.process.name)).toEqual(['catalog']);
    expect(status.others).toEqual([logrotate]);
    expect(status.notRunning).toEqual(['orders']);
    expect(asked).toEqual([1]);
    expect(fleetIsHealthy(status.instances)).toBe(true);
    const text = formatStatus(status.instances, Date.now(), status);
    expect(text).toMatch(/^Not part of the fleet \(not checked\):\n {2}pm2-logrotate pm_id=7 errored$/m);
    expect(text).toMatch(/^orders: in the fleet list, not running under this PM2_HOME/m);
    expect(text).not.toMatch(/UNHEALTHY/);
  });
});

describe('formatStatus', () => {
  it('prints one line per instance with its figures, then the problems and last flag errors', async () => {
    const { client } = fakePm2([proc(0), proc(1)], (process) =>
      process.pmId === 1
        ? {
            flags: {
              ...initialized,
              initialized: false,
              lastError: { message: 'Authentication failed', at: '2026-01-01T00:01:00.000Z' },
            },
          }
        : {},
    );
    const { instances: reports } = await collectFleetStatus(client, { timeoutMs: 200 });
    const text = formatStatus(reports, Date.parse('2026-01-01T00:02:00.000Z'));
    expect(text.split('\n')).toEqual([
      expect.stringMatching(
        /^service +instance +pm_id +pid +status +uptime +restarts +memory +flags .* +events queued +dropped +delivered +failed flushes +health$/,
      ),
      expect.stringMatching(
        /^catalog +0 +0 +1000 +online +2m +0 +80\.0MB +relay +yes +live +2m ago +- +3 +0 +120 +0 +ok$/,
      ),
      expect.stringMatching(
        /^catalog +1 +1 +1001 +online .* relay +no +fallback +2m ago +60s ago +3 +0 +120 +0 +UNHEALTHY$/,
      ),
      'catalog pm_id=1: flags not initialized',
      'catalog pm_id=1 last flag error: Authentication failed',
      '',
    ]);
  });

  it('shows dropped events and failed flushes as a warning under the table; the instance stays healthy', async () => {
    const { client } = fakePm2([proc(0), proc(1)], (process) =>
      process.pmId === 1
        ? {
            events: {
              ...eventsFlowing,
              queued: 10_000,
              dropped: 250,
              failedFlushes: 2,
              lastFlushError: { message: 'unexpected status code 503', at: '2026-01-01T00:01:00.000Z' },
            },
          }
        : {},
    );
    const { instances: reports } = await collectFleetStatus(client, { timeoutMs: 200 });
    const text = formatStatus(reports, Date.parse('2026-01-01T00:02:00.000Z'));

    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^service /),
      expect.stringMatching(/^catalog +0 .* +3 +0 +120 +0 +ok$/),
      expect.stringMatching(/^catalog +1 .* +10000 +250 +120 +2 +ok$/),
      "catalog pm_id=1 warning: 250 analytics event(s) dropped: the SDK's queue was full (capacity 10000); " +
        '2 analytics event flush(es) failed, last: unexpected status code 503',
      '',
    ]);
    expect(reports.map((report) => report.problems)).toEqual([[], []]);
    expect(fleetIsHealthy(reports)).toBe(true);
  });

  it('warns, with its age, of a flag source that stopped delivering and of refused malformed flag data', async () => {
    const { client } = fakePm2([proc(0), proc(1)], (process) =>
      process.pmId === 1
        ? {
            flags: {
              ...initialized,
              source: {
                state: 'interrupted',
                since: '2026-01-01T00:01:15.000Z',
                reason: 'stream failed: connect ECONNREFUSED 127.0.0.1:8030',
              },
              rejectedData: {
                source: 'stream put',
                message: 'flags.catalog-sort.on: expected boolean',
                since: '2026-01-01T00:00:00.000Z',
                count: 3,
              },
            },
          }
        : {
            flags: {
              ...initialized,
              source: { state: 'delivering', since: '2026-01-01T00:00:00.000Z', reason: null },
            },
          },
    );
    const { instances: reports } = await collectFleetStatus(client, { timeoutMs: 200 });
    const warnings = reports.map((report) =>
      warningsOf(report.status, Date.parse('2026-01-01T00:02:00.000Z')),
    );
    expect(warnings).toEqual([
      [],
      [
        'flag source not delivering for 45s: stream failed: connect ECONNREFUSED 127.0.0.1:8030',
        '3 malformed flag payload(s) from the stream put refused in the last 2m, last: flags.catalog-sort.on: expected boolean',
      ],
    ]);
    expect(reports.map((report) => report.problems)).toEqual([[], []]);
    expect(formatStatus(reports)).toMatch(
      /catalog pm_id=1 warning: flag source not delivering for \d+[smhd]: stream failed/,
    );
  });

  it('shows an instance serving the stored flags of the flag store as "stored", a problem of its own, with the store\'s warnings', async () => {
    const store = {
      kind: 'redis',
      use: 'last-known',
      connected: true,
      lastWriteAt: null,
      writePending: false,
      lastError: null,
    } as const;
    const { client } = fakePm2([proc(0), proc(1)], (process) =>
      process.pmId === 1
        ? { flags: { ...initialized, initialized: false, serving: 'stored', store } }
        : {
            flags: {
              ...initialized,
              serving: 'live',
              store: { ...store, connected: false, writePending: true },
            },
          },
    );
    const { instances: reports } = await collectFleetStatus(client, { timeoutMs: 200 });
    const text = formatStatus(reports, Date.parse('2026-01-01T00:02:00.000Z'));
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/ +initialized +serving +last update /),
      expect.stringMatching(/^catalog +0 .* relay +yes +live +2m ago .* ok$/),
      expect.stringMatching(/^catalog +1 .* relay +no +stored +2m ago .* UNHEALTHY$/),
      'catalog pm_id=0 warning: flag store (Redis) not connected; flag changes not yet written to the flag store',
      'catalog pm_id=1: serving stored flags, not live',
      '',
    ]);
    expect(fleetIsHealthy(reports)).toBe(false);
  });

  it("shows '-' for the events of an instance that cannot count them or predates them (mid-rollout)", async () => {
    const unknown: FlagEventsState = {
      queued: null,
      capacity: null,
      dropped: null,
      delivered: null,
      failedFlushes: 0,
      lastFlushError: null,
    };
    const { client } = fakePm2([proc(0), proc(1)], (process) =>
      process.pmId === 0 ? { events: unknown } : { events: undefined },
    );
    const { instances: reports } = await collectFleetStatus(client, { timeoutMs: 200 });
    const rows = formatStatus(reports).split('\n').slice(1, 3);

    expect(rows).toEqual([
      expect.stringMatching(/^catalog +0 .* +- +- +- +0 +ok$/),
      expect.stringMatching(/^catalog +1 .* +- +- +- +- +ok$/),
    ]);
    expect(reports.map((report) => report.warnings)).toEqual([[], []]);
  });
});
