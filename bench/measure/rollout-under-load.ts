import type { LaunchDarklyDouble } from '../../test/support/launchdarkly-double';
import {
  startLoad,
  type LoadRequest,
  type LoadResponse,
  type LoadSummary,
} from '../../test/support/load-client';
import type { Fleet } from '../../test/support/pm2-fleet';
import { sleep } from '../stats';

/** One steady keep-alive load on one service during the rollouts. */
export interface RolloutLoad {
  readonly name: string;
  readonly baseUrl: string;
  readonly concurrency: number;
  /** The request for index i; `userKey` is unique to it, so its analytics event can be found. */
  readonly request: (index: number, userKey: string) => LoadRequest;
  /** True when a 2xx body shows the fallback value (the instance had no flags yet). */
  readonly isFallback?: (response: LoadResponse) => boolean;
}

export interface RolloutOptions {
  readonly fleet: Fleet;
  readonly double: LaunchDarklyDouble;
  readonly loads: readonly RolloutLoad[];
  readonly reloads: number;
  /** Load before the first reload and after each one. */
  readonly settleMs: number;
  /** How long to wait for the double to receive every context after `pm2 stop`. */
  readonly eventWaitMs: number;
}

export interface RolloutResult {
  readonly requests: number;
  readonly failed: number;
  /** Failed requests by load and kind (`catalog: ECONNRESET`, …). */
  readonly failures: Record<string, number>;
  /** 2xx answers that carried the fallback value. */
  readonly staleAnswers: number;
  readonly reloadMs: number[];
  /** Workers PM2 had to SIGKILL (its log says so for each). */
  readonly sigkills: number;
  /** Distinct contexts of answered requests, and how many of them reached the events endpoint. */
  readonly contextsSent: number;
  readonly contextsDelivered: number;
}

/**
 * Figures 3, 4 and 5 in one run: steady keep-alive load on every service (never retried: each
 * failure counts), `pm2 reload` of the whole ecosystem `reloads` times, then `pm2 stop all`. Each
 * request has its own user key, so the contexts the services answered can be matched with the
 * contexts the double received.
 */
export async function measureRolloutUnderLoad(options: RolloutOptions): Promise<RolloutResult> {
  const { fleet, double } = options;
  const runs = options.loads.map((load) => {
    const prefix = `${load.name}-${Date.now().toString(36)}`;
    return {
      load,
      // The value of each record: whether the answer carried the fallback value.
      run: startLoad<boolean>({
        baseUrl: load.baseUrl,
        concurrency: load.concurrency,
        durationMs: 60 * 60_000, // a bound the load client requires; stop() ends it after the reloads
        request: (index) => load.request(index, `${prefix}-${index}`),
        extract: (response) => response.status < 300 && (load.isFallback?.(response) ?? false),
      }),
      prefix,
    };
  });

  const reloadMs: number[] = [];
  let summaries: Array<LoadSummary<boolean>> = [];
  try {
    await sleep(options.settleMs);
    for (let reload = 0; reload < options.reloads; reload += 1) {
      const startedAt = performance.now();
      await fleet.reload();
      reloadMs.push(performance.now() - startedAt);
      await sleep(options.settleMs);
    }
  } finally {
    summaries = await Promise.all(runs.map(({ run }) => run.stop()));
  }

  await fleet.pm2('stop', 'all');
  const sent = new Set<string>();
  const failures: Record<string, number> = {};
  let staleAnswers = 0;
  summaries.forEach((summary, index) => {
    const { load, prefix } = runs[index]!;
    for (const record of summary.records) {
      if (record.outcome === 'ok') sent.add(`${prefix}-${record.index}`);
      if (record.value === true) staleAnswers += 1;
    }
    for (const [kind, count] of Object.entries(summary.failures)) failures[`${load.name}: ${kind}`] = count;
  });
  const contextsDelivered = await waitForContexts(double, sent, options.eventWaitMs);
  const sigkills = (await fleet.daemonLog()).match(/SIGKILL/g)?.length ?? 0;

  return {
    requests: summaries.reduce((total, summary) => total + summary.total, 0),
    failed: summaries.reduce((total, summary) => total + summary.failed, 0),
    failures,
    staleAnswers,
    reloadMs,
    sigkills,
    contextsSent: sent.size,
    contextsDelivered,
  };
}

/** How many of `sent` the double has received, once all have or `timeoutMs` has passed. */
async function waitForContexts(
  double: LaunchDarklyDouble,
  sent: ReadonlySet<string>,
  timeoutMs: number,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const received = new Set(double.contextKeys());
    let delivered = 0;
    for (const key of sent) if (received.has(key)) delivered += 1;
    if (delivered === sent.size || performance.now() > deadline) return delivered;
    await sleep(500);
  }
}
