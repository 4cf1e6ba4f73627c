/**
 * The catalog app in a process of its own, for figure 2: `real` evaluates through the fleet's own
 * flag client (the process singleton, TestData for flags, analytics events to the URL given, its
 * evaluations counted for Prometheus); `stub` answers every evaluation with a constant. Everything else,
 * logger, metrics and routes, is the same. Started by `bench/measure/flag-layer-cost.ts` with
 * `fork`; sends `{ port }` once it listens and stops on SIGTERM.
 */
import http from 'node:http';
import path from 'node:path';

import { integrations } from '@launchdarkly/node-server-sdk';

import { createApp } from '../../services/catalog/app';
import { fleet } from '../../services/fleet';
import { loadServiceConfig } from '../../shared/runtime';
import { startFlagClient, stopFlagClient, type FlagClient, type FlagReader } from '../../shared/flags';
import { requestListener } from '../../shared/http';
import { createLogger, createRequestScope } from '../../shared/logging';
import { createPrometheusMetrics } from '../../shared/metrics';
import { loadProductCatalog } from '../../domain/products';
import { createLifecycle } from '../../shared/lifecycle';
import { DOUBLE_SDK_KEY, fleetFlags } from '../../test/support/fleet-flags';

/** What `real` evaluates `catalog-sort` etc. to for a `pro` user, as constants. */
const CONSTANT_FLAGS: FlagReader = {
  boolean: () => Promise.resolve(false),
  string: () => Promise.resolve('newest'),
  number: () => Promise.resolve(5),
  state: () => ({ mode: 'relay', initialized: true, initDurationMs: 0, lastUpdateAt: null, lastError: null }),
};

async function main(): Promise<void> {
  const [variant, eventsUrl] = process.argv.slice(2);
  if ((variant !== 'real' && variant !== 'stub') || !eventsUrl) {
    throw new Error('usage: catalog-server.js real|stub <events URL>');
  }
  const config = loadServiceConfig(
    {
      LAUNCHDARKLY_SDK_KEY: DOUBLE_SDK_KEY,
      LAUNCHDARKLY_BASE_URI: eventsUrl,
      LAUNCHDARKLY_STREAM_URI: eventsUrl,
      LAUNCHDARKLY_EVENTS_URI: eventsUrl,
      LOG_FORMAT: 'json',
    },
    fleet.find((service) => service.name === 'catalog')!,
    fleet,
  );
  const requestScope = createRequestScope();
  const logger = createLogger({ service: 'catalog', instance: '0', ...config.log, requestScope });
  let flags: FlagReader = CONSTANT_FLAGS;
  let client: FlagClient | undefined;
  const metrics = createPrometheusMetrics({
    service: 'catalog',
    instance: '0',
    flagState: () => flags.state(),
    flagEvaluations: () => client?.evaluations,
  });
  if (variant === 'real') {
    const testData = new integrations.TestData();
    for (const flag of fleetFlags()) await testData.usePreconfiguredFlag(flag);
    const started = await startFlagClient({
      config: config.launchDarkly,
      logger,
      applicationId: 'flagfleet-bench',
      overrides: { updateProcessor: testData.getFactory() },
    });
    if (!started.initialized) throw new Error(`flags did not initialise: ${started.reason}`);
    client = started.client;
    flags = client;
  }
  const lifecycle = createLifecycle();
  lifecycle.enter('serving');
  const catalog = await loadProductCatalog(path.join(__dirname, '..', '..', '..', 'data', 'products.json'));
  const app = createApp({
    logger,
    flags,
    lifecycle,
    requestScope,
    observeRequest: metrics.observeRequest,
    servedBy: 'catalog#0',
    catalog,
  });
  const server = http.createServer(requestListener(app));
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.once('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void stopFlagClient(1_000).finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`catalog-server: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
