import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../../test/support/fleet-flags';
import { startLaunchDarklyDouble } from '../../test/support/launchdarkly-double';
import { runLoad, type LoadResponse } from '../../test/support/load-client';
import { createFleet, type Fleet } from '../../test/support/pm2-fleet';
import { startRedisServer, type RedisServer } from '../../test/support/redis-server';
import { sleep } from '../stats';

export interface ColdStartOptions {
  /** Keep the last known flags in a real redis-server (the test support's child process). */
  readonly withRedis: boolean;
  readonly instances: number;
  /** The gateway load after the cold start: bounded in count and in time. */
  readonly requests: number;
  readonly maxLoadMs: number;
}

export interface ColdStartResult {
  readonly requests: number;
  /** Answers carrying the code's fallback values instead of the flags LaunchDarkly served earlier. */
  readonly fallbackAnswers: number;
  /** Requests that got no 2xx answer. */
  readonly failed: number;
  /** From `pm2 start` (LaunchDarkly down) until PM2 had every instance online. */
  readonly startMs: number;
}

const PRO = { 'X-User-Plan': 'pro' };
const QUOTE = { items: [{ sku: 'KB-001', quantity: 1 }] };

/** `pro` users get `newest`, 10 % and free shipping from the double; the code falls back to `featured`, 0 %, none. */
function isFallback(response: LoadResponse): boolean {
  const body = JSON.parse(response.body) as Record<string, unknown>;
  if ('sort' in body) return body.sort === 'featured';
  return body.discountPercent === 0 || body.freeShipping === false;
}

async function waitForStoredFlags(redis: RedisServer, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await redis.client().exists('launchdarkly:$inited')) !== 1) {
    if (performance.now() > deadline) throw new Error(`no flags in Redis after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Fallback answers from a host cold-started while LaunchDarkly is down. The fleet first runs with
 * LaunchDarkly up (and, with Redis, stores its flags there); then the host goes down (`pm2 delete
 * all`), LaunchDarkly goes down, and the host boots again. The never-retrying load client then
 * counts, through the gateway, the answers that carry fallback values.
 */
export async function measureColdStartFallbacks(options: ColdStartOptions): Promise<ColdStartResult> {
  const double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
  let redis: RedisServer | undefined;
  let fleet: Fleet | undefined;
  try {
    redis = options.withRedis ? await startRedisServer() : undefined;
    fleet = await createFleet({
      instances: options.instances,
      env: {
        ...launchDarklyEnv(double),
        LAUNCHDARKLY_INIT_TIMEOUT_S: '2',
        ...(redis ? { LAUNCHDARKLY_REDIS_URL: redis.url } : {}),
      },
    });
    const processes = 3 * options.instances;
    await fleet.start();
    await double.waitForStreams(processes, 60_000, (stream) => stream.putAt !== undefined);
    if (redis) await waitForStoredFlags(redis, 10_000);

    await fleet.pm2('delete', 'all');
    await double.stopListening();
    const startedAt = performance.now();
    await fleet.start();
    const startMs = performance.now() - startedAt;

    const summary = await runLoad({
      baseUrl: fleet.url('gateway', ''),
      concurrency: 4,
      maxRequests: options.requests,
      durationMs: options.maxLoadMs,
      request: (index) =>
        index % 2 === 0
          ? { path: '/api/products?limit=2', headers: { ...PRO, 'X-User-Key': `cold-${index % 100}` } }
          : {
              method: 'POST',
              path: '/api/quotes',
              headers: { ...PRO, 'X-User-Key': `cold-${index % 100}` },
              body: QUOTE,
            },
      extract: isFallback,
    });
    return {
      requests: summary.total,
      fallbackAnswers: summary.records.filter((record) => record.outcome === 'ok' && record.value === true)
        .length,
      failed: summary.failed,
      startMs,
    };
  } finally {
    try {
      await fleet?.destroy();
    } finally {
      await double.close();
      await redis?.close();
    }
  }
}
