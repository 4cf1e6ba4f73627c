import { LDTimeoutError, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';

import type { FlagMode } from './flag-config';
import { EvaluationTally } from './evaluation-tally';
import { FlagEventCounts, type FlagEventsState } from './flag-event-counts';
import type { FlagSourceHealth, FlagSourceMonitor, RejectedFlagData } from './flag-source-monitor';
import type { FlagServing, FlagStore, FlagStoreState } from './flag-store';
import { readSdkEventQueue } from './sdk-event-queue';

export interface FlagClientState {
  readonly mode: FlagMode;
  readonly initialized: boolean;
  /** How long the start-up wait for flags took, once it is over. */
  readonly initDurationMs: number | null;
  /** When flag data last changed (the first full data set counts). */
  readonly lastUpdateAt: string | null;
  readonly lastError: { readonly message: string; readonly at: string } | null;
  /**
   * Whether the flag source is delivering; null when nothing watches it (TestData in tests). Absent
   * from the reply of an instance built before it existed (a status taken mid-rollout).
   */
  readonly source?: FlagSourceHealth | null;
  /** Malformed flag data refused since the last good data set (null: none); absent as above. */
  readonly rejectedData?: RejectedFlagData | null;
  /**
   * What evaluations answer from: live data, the last known flags of a store ("stored", not live),
   * or fallbacks. Absent as above: read it with `servingOf`.
   */
  readonly serving?: FlagServing;
  /** The persistent flag store (Redis); null when none is configured; absent as above. */
  readonly store?: FlagStoreState | null;
}

/** What an instance's evaluations answer from, also for an instance built before `serving` existed. */
export function servingOf(state: Pick<FlagClientState, 'initialized' | 'serving'>): FlagServing {
  return state.serving ?? (state.initialized ? 'live' : 'fallback');
}

export interface InitOutcome {
  readonly initialized: boolean;
  readonly durationMs: number;
  /** What evaluations answer from once the wait is over. */
  readonly serving: FlagServing;
  /** Why flags are not in, when they are not. */
  readonly reason?: string;
}

/** Starts the warning logged when a scheduled flush of analytics events fails. */
export const EVENT_DELIVERY_FAILED = 'Could not deliver analytics events';

/**
 * What request handlers need of flags: typed evaluations with a fallback, and the client's state
 * for `/readyz`. Apps depend on this, not on the SDK, so a benchmark or a test can put constants
 * behind it.
 */
export interface FlagReader {
  boolean(key: string, context: LDContext, fallback: boolean): Promise<boolean>;
  string(key: string, context: LDContext, fallback: string): Promise<string>;
  number(key: string, context: LDContext, fallback: number): Promise<number>;
  state(): FlagClientState;
}

export interface FlagClientOptions {
  /**
   * When set, this client sends analytics events on that schedule itself, and the SDK's own flush timer
   * must be off (a very long `flushInterval`). A flush the SDK starts can be waiting out its one-second
   * retry, unseen, when shutdown's final `flush()` finds the queue empty and closes: that batch is lost.
   * A flush started here is awaited at shutdown.
   */
  readonly flushIntervalMs?: number;
  /** Reports whether the flag source delivers, and data it refused (none for overridden sources). */
  readonly sourceMonitor?: FlagSourceMonitor;
  /** The persistent store the SDK was given, if any (see flag-store.ts). */
  readonly store?: FlagStore;
}

/**
 * The process's LaunchDarkly client and what is known of its health. Evaluation methods are thin
 * on purpose: they are on every request's path.
 */
export class FlagClient implements FlagReader {
  private initDurationMs: number | null = null;
  private lastUpdateAt: Date | null = null;
  private lastError: { message: string; at: Date } | null = null;
  private readonly flushTimer: NodeJS.Timeout | undefined;
  private flushInFlight: Promise<void> = Promise.resolve();
  /** Every evaluation made through this client, by flag and variation, for the instance's metrics. */
  readonly evaluations = new EvaluationTally();
  private readonly eventCounts: FlagEventCounts;
  private readonly sourceMonitor: FlagSourceMonitor | undefined;
  private readonly store: FlagStore | undefined;

  constructor(
    readonly ld: LDClient,
    readonly mode: FlagMode,
    options: FlagClientOptions = {},
  ) {
    const { flushIntervalMs } = options;
    this.sourceMonitor = options.sourceMonitor;
    this.store = options.store;
    ld.on('update', () => {
      this.lastUpdateAt = new Date();
    });
    ld.on('failed', (error: Error) => this.recordError(error.message));
    this.eventCounts = new FlagEventCounts(() => readSdkEventQueue(ld));
    if (flushIntervalMs !== undefined) {
      let flushing = false;
      this.flushTimer = setInterval(() => {
        this.eventCounts.sample(); // also while a flush is retrying: see FlagEventCounts
        if (flushing) return; // one at a time: shutdown must await the one that is retrying
        flushing = true;
        this.flushInFlight = this.flushEvents()
          .catch((error: unknown) => this.ld.logger?.warn(`${EVENT_DELIVERY_FAILED}: ${String(error)}`))
          .finally(() => (flushing = false));
      }, flushIntervalMs);
      this.flushTimer.unref();
    }
  }

  // The `…Detail` calls give the variation index the tally needs, at the cost of a plain call (their
  // only other effect: a full event, sent for flags that track events, carries the reason).
  async boolean(key: string, context: LDContext, fallback: boolean): Promise<boolean> {
    const detail = await this.ld.boolVariationDetail(key, context, fallback);
    this.evaluations.record(key, detail.variationIndex);
    return detail.value;
  }

  async string(key: string, context: LDContext, fallback: string): Promise<string> {
    const detail = await this.ld.stringVariationDetail(key, context, fallback);
    this.evaluations.record(key, detail.variationIndex);
    return detail.value;
  }

  async number(key: string, context: LDContext, fallback: number): Promise<number> {
    const detail = await this.ld.numberVariationDetail(key, context, fallback);
    this.evaluations.record(key, detail.variationIndex);
    return detail.value;
  }

  /** Records a problem the SDK reported (a refused stream, a bad key, an unreadable flag file). */
  recordError(message: string): void {
    this.lastError = { message, at: new Date() };
  }

  state(): FlagClientState {
    const { initialized, serving } = this.describeServing();
    return {
      mode: this.mode,
      initialized,
      initDurationMs: this.initDurationMs,
      lastUpdateAt: this.lastUpdateAt?.toISOString() ?? null,
      lastError: this.lastError && { message: this.lastError.message, at: this.lastError.at.toISOString() },
      source: this.sourceMonitor?.source() ?? null,
      rejectedData: this.sourceMonitor?.rejectedDataState() ?? null,
      serving,
      store: this.store?.state() ?? null,
    };
  }

  /** With a store, it tells (daemon mode: the SDK calls itself initialized with or without flags). */
  private describeServing(): { initialized: boolean; serving: FlagServing } {
    const sdkInitialized = this.ld.initialized();
    return (
      this.store?.describe(sdkInitialized) ?? {
        initialized: sdkInitialized,
        serving: sdkInitialized ? 'live' : 'fallback',
      }
    );
  }

  /** Analytics events queued, dropped and delivered; for `npm run status`. */
  events(): FlagEventsState {
    return this.eventCounts.state();
  }

  /**
   * Waits for the first full flag data set, at most `timeoutS` seconds (never 0: the SDK reads 0 as
   * "wait forever"). Never throws: a failed or slow start is reported in the outcome, and the
   * instance serves fallback values meanwhile.
   */
  async waitForFlags(timeoutS: number): Promise<InitOutcome> {
    if (!(timeoutS > 0)) throw new RangeError(`flag init timeout must be above 0 seconds, got ${timeoutS}`);
    const startedAt = performance.now();
    let reason: string | undefined;
    let waitError: unknown;
    // The store (if any) connects and loads meanwhile; its own wait is bounded and never rejects.
    const [waited] = await Promise.allSettled([
      this.ld.waitForInitialization({ timeout: timeoutS }),
      this.store?.opened,
    ]);
    if (waited.status === 'fulfilled') {
      // A data source that delivers before our 'update' listener exists fires no event for it.
      this.lastUpdateAt ??= new Date();
    } else {
      waitError = waited.reason;
    }
    const { initialized, serving } = this.describeServing();
    if (!initialized) reason = this.describeInitFailure(waitError, timeoutS, serving);
    const durationMs = Math.round(performance.now() - startedAt);
    this.initDurationMs = durationMs;
    return reason === undefined
      ? { initialized: true, durationMs, serving }
      : { initialized: false, durationMs, serving, reason };
  }

  private describeInitFailure(error: unknown, timeoutS: number, serving: FlagServing): string {
    const lastProblem = this.lastError ? ` (last SDK error: ${this.lastError.message})` : '';
    const values =
      serving === 'stored'
        ? 'serving the last known flags from the store, not live'
        : 'serving fallback values';
    if (error === undefined) {
      // Daemon mode: the SDK is ready at once; the store holds no flag data set.
      return `the flag store holds no flags${lastProblem}; ${values}`;
    }
    if (error instanceof LDTimeoutError) {
      return `no flag data within ${timeoutS}s${lastProblem}; ${values}, the SDK keeps retrying`;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.recordError(message);
    const remedy =
      this.mode === 'file'
        ? 'fix the flag file: it is watched and reloaded'
        : 'the SDK does not retry this: fix the cause, then pm2 reload';
    return `${message}; ${values} (${remedy})`;
  }

  /** Delivers queued analytics events, then releases the stream: `close()` alone drops events. */
  async shutdown(flushTimeoutMs: number): Promise<void> {
    clearInterval(this.flushTimer);
    try {
      const lastFlush = this.flushInFlight.then(() => this.flushEvents());
      await withTimeout(lastFlush, flushTimeoutMs, 'flushing analytics events');
    } finally {
      this.ld.close();
    }
  }

  /** `flush()`'s promise never rejects: a failed delivery is only reported to its callback. */
  private flushEvents(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const taken = this.eventCounts.flushStarting();
      void this.ld.flush((error) => {
        if (error) {
          this.eventCounts.flushFailed(error);
          reject(error);
        } else {
          this.eventCounts.flushSucceeded(taken);
          resolve();
        }
      });
    });
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
