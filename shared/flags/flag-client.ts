import { LDTimeoutError, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';

import type { FlagMode } from './flag-config';
import { EvaluationTally } from './evaluation-tally';
import { FlagEventCounts, type FlagEventsState } from './flag-event-counts';
import { readSdkEventQueue } from './sdk-event-queue';

export interface FlagClientState {
  readonly mode: FlagMode;
  readonly initialized: boolean;
  /** How long the start-up wait for flags took, once it is over. */
  readonly initDurationMs: number | null;
  /** When flag data last changed (the first full data set counts). */
  readonly lastUpdateAt: string | null;
  readonly lastError: { readonly message: string; readonly at: string } | null;
}

export interface InitOutcome {
  readonly initialized: boolean;
  readonly durationMs: number;
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

  /**
   * @param flushIntervalMs When set, this client sends analytics events on that schedule itself,
   *   and the SDK's own flush timer must be off (a very long `flushInterval`). A flush the SDK starts
   *   can be waiting out its one-second retry, unseen, when shutdown's final `flush()` finds the queue
   *   empty and closes: that batch is lost. A flush started here is awaited at shutdown.
   */
  constructor(
    readonly ld: LDClient,
    readonly mode: FlagMode,
    flushIntervalMs?: number,
  ) {
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
    return {
      mode: this.mode,
      initialized: this.ld.initialized(),
      initDurationMs: this.initDurationMs,
      lastUpdateAt: this.lastUpdateAt?.toISOString() ?? null,
      lastError: this.lastError && { message: this.lastError.message, at: this.lastError.at.toISOString() },
    };
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
    try {
      await this.ld.waitForInitialization({ timeout: timeoutS });
      // A data source that delivers before our 'update' listener exists fires no event for it.
      this.lastUpdateAt ??= new Date();
    } catch (error) {
      reason = this.describeInitFailure(error, timeoutS);
    }
    const durationMs = Math.round(performance.now() - startedAt);
    this.initDurationMs = durationMs;
    return reason === undefined
      ? { initialized: true, durationMs }
      : { initialized: false, durationMs, reason };
  }

  private describeInitFailure(error: unknown, timeoutS: number): string {
    const lastProblem = this.lastError ? ` (last SDK error: ${this.lastError.message})` : '';
    if (error instanceof LDTimeoutError) {
      return `no flag data within ${timeoutS}s${lastProblem}; serving fallback values, the SDK keeps retrying`;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.recordError(message);
    const remedy =
      this.mode === 'file'
        ? 'fix the flag file: it is watched and reloaded'
        : 'the SDK does not retry this: fix the cause, then pm2 reload';
    return `${message}; serving fallback values (${remedy})`;
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
