/**
 * One side of figure 2's per-evaluation cost, alone in its process, so neither side's JIT feedback
 * (shapes seen by the SDK's code) shapes the other's: `raw` calls the SDK's `variation()` with a
 * context written inline; `ours` builds the context from request headers and evaluates through
 * `FlagClient.string()`. Sends `{ nsPerEvaluation }` (CPU time) and exits.
 */
import { init, integrations } from '@launchdarkly/node-server-sdk';

import { FlagClient } from '../../shared/flags';
import { contextFromHeaders } from '../../shared/http';
import { DOUBLE_SDK_KEY, fleetFlags } from '../../test/support/fleet-flags';

const silent = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/** CPU ns per call over `iterations` sequential awaited calls. */
async function cpuNsPerCall(
  iterations: number,
  evaluate: (index: number) => Promise<unknown>,
): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < iterations; index += 1) await evaluate(index);
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / iterations;
}

async function main(): Promise<void> {
  const [variant, iterationsText, eventsUrl] = process.argv.slice(2);
  const iterations = Number(iterationsText);
  if ((variant !== 'raw' && variant !== 'ours') || !(iterations > 0) || !eventsUrl) {
    throw new Error('usage: evaluation-loop.js raw|ours <iterations> <events URL>');
  }
  const testData = new integrations.TestData();
  for (const flag of fleetFlags()) await testData.usePreconfiguredFlag(flag);
  // Analytics events on, to the double: their bookkeeping is part of every evaluation's cost.
  const ld = init(DOUBLE_SDK_KEY, {
    updateProcessor: testData.getFactory(),
    eventsUri: eventsUrl,
    diagnosticOptOut: true,
    logger: silent,
  });
  await ld.waitForInitialization({ timeout: 5 });
  const flags = new FlagClient(ld, 'relay');
  const keys = Array.from({ length: 100 }, (_, index) => `bench-user-${index}`);
  const headers = keys.map((key) => ({ 'x-user-key': key, 'x-user-plan': 'Pro' }));
  const evaluate =
    variant === 'raw'
      ? (index: number) =>
          ld.variation('catalog-sort', { kind: 'user', key: keys[index % 100]!, plan: 'pro' }, 'featured')
      : (index: number) =>
          flags.string('catalog-sort', contextFromHeaders(headers[index % 100]!), 'featured');

  await cpuNsPerCall(iterations, evaluate); // warm-up: the JIT settles before anything counts
  const nsPerEvaluation = await cpuNsPerCall(iterations, evaluate);
  await ld.flush();
  ld.close();
  process.send?.({ nsPerEvaluation });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`evaluation-loop: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
