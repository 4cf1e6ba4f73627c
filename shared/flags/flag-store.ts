import type { LDFeatureStore } from '@launchdarkly/node-server-sdk';

/**
 * What an instance's evaluations answer from, beside whether its source delivers
 * (flag-source-monitor.ts):
 * - `live`: data its own flag source delivered (the stream, a relay, the flag file);
 * - `stored`: the last known flags a persistent store held, not live (LaunchDarkly unreachable at
 *   start, or daemon mode, where the store is the only source and its freshness is the writer's);
 * - `fallback`: nothing: every evaluation answers the fallback value in the code.
 */
export type FlagServing = 'live' | 'stored' | 'fallback';

/** A persistent flag store's health, for `/readyz`, `npm run status` and metrics. */
export interface FlagStoreState {
  readonly kind: 'redis';
  /** `last-known`: written by this instance, read at a cold start; `daemon`: the only source. */
  readonly use: 'last-known' | 'daemon';
  /** Whether the store's connection is up and takes commands now. */
  readonly connected: boolean;
  /** Last time this instance wrote its flags to the store; always null in daemon mode (Relay writes). */
  readonly lastWriteAt: string | null;
  /** Flag data this instance holds that the store has not got yet (written when it is back). */
  readonly writePending: boolean;
  readonly lastError: { readonly message: string; readonly at: string } | null;
}

/** A persistent store as the flag client sees it: the SDK's feature store plus its health. */
export interface FlagStore {
  /** Handed to the SDK as `featureStore`. */
  readonly featureStore: LDFeatureStore;
  /** Whether the SDK runs without a data source (daemon mode: `useLdd`). */
  readonly daemon: boolean;
  /** Settles (never rejects) once the store has had its bounded chance to connect and be read. */
  readonly opened: Promise<void>;
  /**
   * What evaluations answer from, given whether the SDK calls itself initialized, and whether the
   * client should be reported initialized (daemon mode: only while the store holds a data set).
   */
  describe(sdkInitialized: boolean): { readonly serving: FlagServing; readonly initialized: boolean };
  state(): FlagStoreState;
}
