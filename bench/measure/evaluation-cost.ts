import { init, integrations, type LDClient, type LDOptions } from '@launchdarkly/node-server-sdk';
import { Registry } from 'prom-client';

import { FlagClient } from '../../shared/flags';
import { contextFromHeaders } from '../../shared/http';
import { flagEvaluationHook } from '../../shared/metrics/flag-metrics';
import { DOUBLE_SDK_KEY, fleetFlags } from '../../test/support/fleet-flags';
import { median } from '../stats';

export interface EvaluationCostOptions {
  /** Where both clients send analytics events (the double): event bookkeeping is part of the cost. */
  readonly eventsUrl: string;
  readonly rounds: number;
  readonly iterations: number;
}

export interface EvaluationCostResult {
  /** Median ns per `ld.variation()` with a context written inline. */
  readonly rawNs: number;
  /** Median ns per evaluation through the fleet's context builder, accessor and evaluation hook. */
  readonly oursNs: number;
  /** (ours − raw) / raw, in percent. */
  readonly overheadPercent: number;
}

const silent = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

async function testDataClient(eventsUrl: string, extra: LDOptions): Promise<LDClient> {
  const testData = new integrations.TestData();
  for (const flag of fleetFlags()) testData.usePreconfiguredFlag(flag);
  const client = init(DOUBLE_SDK_KEY, {
    updateProcessor: testData.getFactory(),
    eventsUri: eventsUrl,
    diagnosticOptOut: true,
    logger: silent,
    ...extra,
  });
  await client.waitForInitialization({ timeout: 5 });
  return client;
}

/** ns per call of `evaluate(i)` over `iterations` sequential awaited calls. */
async function timePerCall(
  iterations: number,
  evaluate: (index: number) => Promise<unknown>,
): Promise<number> {
  const startedAt = process.hrtime.bigint();
  for (let index = 0; index < iterations; index += 1) await evaluate(index);
  return Number(process.hrtime.bigint() - startedAt) / iterations;
}

/**
 * Figure 2 (per evaluation): what the fleet adds to one flag evaluation. Raw: the SDK's
 * `variation()` with a context object written inline, on a client without hooks. Ours: the context
 * built from request headers (validated, plan normalised), `FlagClient.string()`, and the
 * Prometheus evaluation hook. Same flags (TestData), same hundred users, rounds in turns.
 */
export async function measureEvaluationCost(options: EvaluationCostOptions): Promise<EvaluationCostResult> {
  const raw = await testDataClient(options.eventsUrl, {});
  const oursLd = await testDataClient(options.eventsUrl, { hooks: [flagEvaluationHook(new Registry())] });
  const ours = new FlagClient(oursLd, 'relay');
  const keys = Array.from({ length: 100 }, (_, index) => `bench-user-${index}`);
  const headers = keys.map((key) => ({ 'x-user-key': key, 'x-user-plan': 'Pro' }));

  const evaluateRaw = (index: number) =>
    raw.variation('catalog-sort', { kind: 'user', key: keys[index % 100]!, plan: 'pro' }, 'featured');
  const evaluateOurs = (index: number) =>
    ours.string('catalog-sort', contextFromHeaders(headers[index % 100]!), 'featured');

  const rawNs: number[] = [];
  const oursNs: number[] = [];
  try {
    // One unmeasured round each: the JIT warms up on both paths before anything counts.
    await timePerCall(options.iterations, evaluateRaw);
    await timePerCall(options.iterations, evaluateOurs);
    for (let round = 0; round < options.rounds; round += 1) {
      rawNs.push(await timePerCall(options.iterations, evaluateRaw));
      oursNs.push(await timePerCall(options.iterations, evaluateOurs));
    }
  } finally {
    await Promise.all([raw.flush(), oursLd.flush()]);
    raw.close();
    oursLd.close();
  }
  const rawMedian = median(rawNs);
  const oursMedian = median(oursNs);
  return {
    rawNs: rawMedian,
    oursNs: oursMedian,
    overheadPercent: (100 * (oursMedian - rawMedian)) / rawMedian,
  };
}
