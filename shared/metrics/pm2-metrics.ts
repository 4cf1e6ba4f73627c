import { servingOf, type FlagClientState } from '../flags';
import type { RequestWindowSummary } from './request-window';

/** One custom metric as PM2 stores it in `pm2_env.axm_monitor` and shows it in `pm2 show` / `pm2 monit`. */
export interface Pm2Probe {
  readonly value: string | number;
  readonly unit?: string;
}

export type Pm2Probes = Readonly<Record<string, Pm2Probe>>;

export interface Pm2MetricsOptions {
  /** The instance's IPC channel (`process.send`); PM2 reads `axm:monitor` messages from it. */
  readonly send: ((message: unknown) => void) | undefined;
  /** Whether this process runs under PM2 (it has a `pm_id`): a test runner's IPC channel is not PM2's. */
  readonly underPm2: boolean;
  readonly probes: () => Pm2Probes;
  readonly intervalMs?: number;
}

export interface Pm2MetricsPublisher {
  /** Sends the probes now (the timer sends them every interval). */
  publish(): void;
  stop(): void;
}

/**
 * Publishes custom metrics with PM2's own `axm:monitor` IPC message, the one @pm2/io sends: the
 * daemon merges `data` into the instance's `axm_monitor`. Does nothing outside PM2.
 */
export function startPm2Metrics(options: Pm2MetricsOptions): Pm2MetricsPublisher {
  const { send, underPm2, probes, intervalMs = 5_000 } = options;
  if (!send || !underPm2) return { publish: () => undefined, stop: () => undefined };
  const publish = () => send({ type: 'axm:monitor', data: probes() });
  const timer = setInterval(publish, intervalMs);
  timer.unref();
  return { publish, stop: () => clearInterval(timer) };
}

function age(iso: string | null | undefined, now: number): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return seconds < 120 ? `${seconds}s ago` : `${Math.round(seconds / 60)}m ago`;
}

/**
 * The names of the probes below, as `pm2 show` lists them beside PM2's own (`HTTP`, `HTTP Mean
 * Latency`, `HTTP P95 Latency`, `Used Heap Size`…, counted since start): none reads like one of those.
 * PM2's are left on: with `pmx: false` a `pm2 reload` refused connections (see docs/metrics.md).
 */
export const PM2_METRIC_NAMES = [
  'Flag client mode',
  'Flags initialized',
  'Flags served',
  'Flags last update',
  'Flag client last error',
  'Flag source',
  'Requests, last min',
  '5xx, last min',
  'p95 latency, last min',
] as const;

function sourceHealth(flags: FlagClientState | null, now: number): string {
  const source = flags?.source;
  if (!source) return '-';
  if (source.state !== 'interrupted') return source.state;
  return `not delivering since ${age(source.since, now)}: ${source.reason ?? 'no reason known'}`;
}

/** The probes an instance shows in `pm2 show`: its flag client, then its last minute of requests. */
export function instanceProbes(
  flags: FlagClientState | null,
  requests: RequestWindowSummary,
  now = Date.now(),
): Record<(typeof PM2_METRIC_NAMES)[number], Pm2Probe> {
  return {
    'Flag client mode': { value: flags?.mode ?? 'starting' },
    'Flags initialized': { value: flags?.initialized ? 'yes' : 'no' },
    // live, stored (the last known flags of the flag store, not live) or fallback.
    'Flags served': { value: flags ? servingOf(flags) : 'starting' },
    'Flags last update': { value: age(flags?.lastUpdateAt, now) },
    'Flag client last error': {
      value: flags?.lastError ? `${age(flags.lastError.at, now)}: ${flags.lastError.message}` : 'none',
    },
    'Flag source': { value: sourceHealth(flags, now) },
    'Requests, last min': { value: requests.requestsPerMinute, unit: 'req/min' },
    '5xx, last min': { value: requests.serverErrorsPerMinute, unit: 'err/min' },
    'p95 latency, last min': { value: requests.p95Ms ?? 0, unit: 'ms' },
  };
}
