import { init, type LDOptions } from '@launchdarkly/node-server-sdk';

import type { LaunchDarklyConfig } from './flag-config';
import { launchDarklyLogger, type Logger } from '../logging';
import { EVENT_DELIVERY_FAILED, FlagClient, type InitOutcome } from './flag-client';
import { FlagSourceMonitor } from './flag-source-monitor';
import { EVENT_FLUSH_INTERVAL_MS, launchDarklyOptions, sdkKeyFor } from './launchdarkly-options';
import { openRedisFlagStore } from './redis-flag-store';

export interface StartFlagClientOptions {
  readonly config: LaunchDarklyConfig;
  readonly logger: Logger;
  /** Reported to LaunchDarkly as the application id (`flagfleet-orders`, …). */
  readonly applicationId: string;
  /** Replaces SDK options; tests pass `{ updateProcessor: testData.getFactory() }`. */
  readonly overrides?: LDOptions;
}

export interface StartedFlagClient extends InitOutcome {
  readonly client: FlagClient;
}

/**
 * The one client of this process. A PM2 cluster instance is a fresh process that runs this module
 * again, so "one per process" is one per instance: the Node form of the design note's singleton
 * plus `postfork()`. It is created by an explicit start call, never on import.
 */
let current: { readonly client: FlagClient; readonly started: Promise<StartedFlagClient> } | undefined;

/**
 * SDK warnings that say nothing about why flags are missing, and would hide the one that does (a
 * refused connection, a bad key) in the init line and in `/readyz`: the init wait's own timeout
 * (the runner reports that itself), evaluating before initialization (the fallback being served),
 * and analytics events that could not be queued or delivered, which `events()` counts as dropped
 * and failed flushes. The SDK logs only the full queue; a failed event post reaches just the flush
 * callback (diagnostic posts: nowhere), which FlagClient logs as EVENT_DELIVERY_FAILED.
 */
const NOT_A_DATA_SOURCE_PROBLEM = [
  /^waitForInitialization timed out/,
  /^Variation called before LaunchDarkly client initialization/,
  /^Exceeded event queue capacity/,
  new RegExp(`^${EVENT_DELIVERY_FAILED}`),
];

/**
 * Creates the process's client and waits for flags (bounded by the configured timeout). A second
 * call returns the first call's client and outcome instead of making another client.
 */
export function startFlagClient(options: StartFlagClientOptions): Promise<StartedFlagClient> {
  if (current) return current.started;

  // The SDK may log while `init` runs, before the client that records its problems exists.
  const problems: { recordError?: (message: string) => void } = {};
  const sdkLogger = launchDarklyLogger(options.logger, (message) => {
    if (!NOT_A_DATA_SOURCE_PROBLEM.some((pattern) => pattern.test(message))) problems.recordError?.(message);
  });
  // A source delivering again ends an incident: the next problem's first line is written, even if it
  // reads like one the repeat limiter is still counting.
  const monitor = new FlagSourceMonitor(() => sdkLogger.resetRepeats());
  const { config } = options;
  const store =
    config.mode !== 'file' && config.store.kind === 'redis'
      ? openRedisFlagStore(config.store, options.logger, monitor)
      : undefined;
  const ld = init(sdkKeyFor(config), {
    ...launchDarklyOptions(config, sdkLogger, options.applicationId, monitor),
    // Daemon mode (`useLdd`): no data source; the SDK reads the store, where a Relay Proxy writes.
    ...(store ? { featureStore: store.featureStore, useLdd: store.daemon } : {}),
    ...options.overrides,
  });
  // Overridden data sources (TestData in tests) are not watched: no source health to report. In
  // daemon mode the store is the source, and reports to the monitor itself.
  const watched = options.overrides?.updateProcessor === undefined || store?.daemon === true;
  const client = new FlagClient(ld, config.mode, {
    flushIntervalMs: EVENT_FLUSH_INTERVAL_MS,
    sourceMonitor: watched ? monitor : undefined,
    store,
  });
  problems.recordError = (message) => client.recordError(message);
  const started = client.waitForFlags(config.initTimeoutS).then((outcome) => ({ ...outcome, client }));
  current = { client, started };
  return started;
}

/** The process's client, from anywhere (the Node form of `ldclient.get()`). */
export function flagClient(): FlagClient {
  if (!current)
    throw new Error('The flag client is not started: call startFlagClient() from the service runner first');
  return current.client;
}

/** Flushes events, then closes; afterwards the process has no client. */
export async function stopFlagClient(flushTimeoutMs: number): Promise<void> {
  const stopping = current;
  current = undefined;
  await stopping?.client.shutdown(flushTimeoutMs);
}
