import type { SdkEventQueueReading } from './sdk-event-queue';

/** A flag client's analytics events, for `npm run status`. Null: not known (see readSdkEventQueue). */
export interface FlagEventsState {
  /** Waiting in the SDK's queue for the next flush. */
  readonly queued: number | null;
  /** The SDK's queue capacity: past it, new events are dropped. */
  readonly capacity: number | null;
  /** Dropped since the client started, because the queue was full. */
  readonly dropped: number | null;
  /** Taken from the queue by flushes the events endpoint accepted (each flush's summary not counted). */
  readonly delivered: number | null;
  /** Flushes that failed; the SDK does not queue their events again, so those are lost. */
  readonly failedFlushes: number;
  readonly lastFlushError: { readonly message: string; readonly at: string } | null;
}

/**
 * Counts a flag client's analytics events from readings of the SDK's queue and from the outcome of
 * each flush. The SDK zeroes its dropped count with every periodic diagnostic event (every 15
 * minutes by default); this keeps the total since start across those resets. Drops between the last
 * reading and a reset are missed (LaunchDarkly gets them in that diagnostic event): readings are
 * taken at every flush tick and status query, so that is at most one flush interval's worth of drops
 * per reset.
 */
export class FlagEventCounts {
  private lastReading: SdkEventQueueReading | undefined;
  private droppedInEarlierPeriods = 0;
  private delivered = 0;
  private failedFlushes = 0;
  private lastFlushError: { message: string; at: Date } | null = null;

  constructor(private readonly read: () => SdkEventQueueReading | undefined) {
    this.lastReading = read();
  }

  /**
   * Call in the same synchronous run as the SDK's `flush()`, which takes the whole queue at once:
   * returns how many events that flush takes (undefined when not known).
   */
  flushStarting(): number | undefined {
    return this.sample()?.queued;
  }

  flushSucceeded(taken: number | undefined): void {
    this.delivered += taken ?? 0;
  }

  flushFailed(error: unknown): void {
    this.failedFlushes += 1;
    this.lastFlushError = { message: error instanceof Error ? error.message : String(error), at: new Date() };
  }

  state(): FlagEventsState {
    const reading = this.sample();
    return {
      queued: reading?.queued ?? null,
      capacity: reading?.capacity ?? null,
      dropped: reading ? this.droppedInEarlierPeriods + reading.droppedSinceReset : null,
      delivered: reading ? this.delivered : null,
      failedFlushes: this.failedFlushes,
      lastFlushError: this.lastFlushError && {
        message: this.lastFlushError.message,
        at: this.lastFlushError.at.toISOString(),
      },
    };
  }

  /** Takes a reading; call it often enough that few drops can fall between it and a reset. */
  sample(): SdkEventQueueReading | undefined {
    const reading = this.read();
    if (!reading) return undefined;
    if (this.lastReading && reading.resetMarker !== this.lastReading.resetMarker) {
      this.droppedInEarlierPeriods += this.lastReading.droppedSinceReset;
    }
    this.lastReading = reading;
    return reading;
  }
}
