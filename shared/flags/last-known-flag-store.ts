import type {
  DataKind,
  LDFeatureStore,
  LDFeatureStoreDataStorage,
  LDFeatureStoreItem,
  LDFeatureStoreKindData,
  LDKeyedFeatureStoreItem,
} from '@launchdarkly/node-server-sdk';

import type { Logger } from '../logging';
import { FlagData } from './flag-data';
import { checkAllData } from './flag-data-schema';
import type { FlagSourceMonitor } from './flag-source-monitor';
import type { FlagServing, FlagStore, FlagStoreState } from './flag-store';
import type { FlagMirror } from './redis-mirror';

export interface LastKnownFlagStoreOptions {
  /** How long start-up waits for the mirror to connect before going on without stored flags. */
  readonly connectWaitMs: number;
  /** After a failed write while connected, when to try again. */
  readonly retryWriteMs: number;
}

/** Where stored data that is refused as malformed is reported, as the stream's is (optional in tests). */
export type RejectedStoredData = Pick<FlagSourceMonitor, 'rejectedData'>;

export const DEFAULT_LAST_KNOWN_OPTIONS: LastKnownFlagStoreOptions = Object.freeze({
  connectWaitMs: 1_000,
  retryWriteMs: 5_000,
});

/**
 * The SDK's feature store when flags are also kept in Redis: evaluations read memory only, Redis is
 * a copy written after every change and read once, at a cold start.
 *
 * The SDK's own Redis store puts Redis on every evaluation once its cache expires, which is what
 * makes its failure modes (docs/launchdarkly.md) reach requests: evaluations stall while Redis is
 * down, a put that arrives while Redis is down is lost, and a Redis restarted empty leaves an
 * initialized client answering "flag not found". Here:
 * - evaluations never wait for Redis, whatever its state;
 * - a data set or change is in memory (and served) first, then written; a write that cannot be
 *   made is kept pending and made on the next connection;
 * - every (re)connection rewrites the whole data set, so a Redis that restarted empty is filled
 *   again by every instance that has live flags;
 * - stored flags are loaded only while no live data set has arrived, and never replace one;
 * - stored flags are checked like the stream's (flag-data-schema.ts): Redis may hold what another
 *   writer (a Relay Proxy, an older build) put there, and malformed data is refused, not served.
 */
export class LastKnownFlagStore implements LDFeatureStore, FlagStore {
  readonly featureStore: LDFeatureStore = this;
  readonly daemon = false;
  readonly opened: Promise<void>;
  private readonly data = new FlagData();
  private holding: 'nothing' | 'stored' | 'live' = 'nothing';
  private writePending = false;
  private writing = false;
  private reading: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastWriteAt: Date | null = null;
  private lastError: { message: string; at: Date } | null = null;
  private writeFailing = false;
  private closed = false;

  constructor(
    private readonly mirror: FlagMirror,
    private readonly logger: Logger,
    private readonly options: LastKnownFlagStoreOptions = DEFAULT_LAST_KNOWN_OPTIONS,
    private readonly rejected?: RejectedStoredData,
  ) {
    mirror.onReady(() => this.mirrorReady());
    this.opened = this.open();
  }

  // ---- LDFeatureStore: memory only ----

  get(kind: DataKind, key: string, callback: (item: LDFeatureStoreItem | null) => void): void {
    callback(this.data.get(kind, key));
  }

  all(kind: DataKind, callback: (items: LDFeatureStoreKindData) => void): void {
    callback(this.data.all(kind));
  }

  init(allData: LDFeatureStoreDataStorage, callback: () => void): void {
    this.data.replace(allData);
    if (this.holding === 'stored') this.logger.info('Live flags arrived; they replace the stored flags');
    this.holding = 'live';
    callback();
    this.scheduleWrite();
  }

  upsert(kind: DataKind, item: LDKeyedFeatureStoreItem, callback: () => void): void {
    const applied = this.data.upsert(kind, item.key, item);
    callback();
    if (applied) this.scheduleWrite();
  }

  delete(kind: DataKind, key: string, version: number, callback: () => void): void {
    this.upsert(kind, { key, version, deleted: true }, callback);
  }

  /** True once memory holds a data set, stored or live: the SDK then evaluates from it. */
  initialized(callback: (isInitialized: boolean) => void): void {
    callback(this.holding !== 'nothing');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.mirror.close();
  }

  getDescription(): string {
    return 'Redis';
  }

  // ---- FlagStore ----

  describe(sdkInitialized: boolean): { serving: FlagServing; initialized: boolean } {
    const serving: FlagServing =
      sdkInitialized || this.holding === 'live' ? 'live' : this.holding === 'stored' ? 'stored' : 'fallback';
    return { serving, initialized: sdkInitialized };
  }

  state(): FlagStoreState {
    return {
      kind: 'redis',
      use: 'last-known',
      connected: this.mirror.isReady(),
      lastWriteAt: this.lastWriteAt?.toISOString() ?? null,
      writePending: this.writePending,
      lastError: this.lastError && { message: this.lastError.message, at: this.lastError.at.toISOString() },
    };
  }

  // ---- the copy in Redis ----

  private async open(): Promise<void> {
    if (await this.mirror.waitUntilReady(this.options.connectWaitMs)) {
      await this.loadStored();
    } else {
      this.recordError(`Redis not connected within ${this.options.connectWaitMs} ms`);
      this.logger.warn('Redis is not reachable: no stored flags to fall back on until it is', {
        waitedMs: this.options.connectWaitMs,
      });
    }
  }

  private mirrorReady(): void {
    if (this.closed) return;
    if (this.holding === 'live') {
      // Also when nothing is pending: Redis may have come back empty.
      this.scheduleWrite();
    } else if (this.holding === 'nothing') {
      void this.loadStored();
    }
  }

  /** Reads the stored data set into memory unless live data has arrived meanwhile; never rejects. */
  private loadStored(): Promise<void> {
    this.reading ??= this.readStored().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readStored(): Promise<void> {
    if (this.holding !== 'nothing') return;
    try {
      const stored = await this.mirror.read();
      if (this.holding !== 'nothing') return;
      if (!stored) {
        this.logger.info('Redis holds no stored flags yet');
        return;
      }
      const checked = checkAllData({ flags: stored.features ?? {}, segments: stored.segments ?? {} });
      if (!checked.ok) {
        this.recordError(`stored flags refused: ${checked.problem}`);
        this.rejected?.rejectedData('flag store', checked.problem);
        this.logger.error(`Refused the stored flags in Redis: ${checked.problem}; serving fallback values`);
        return;
      }
      this.data.replace(stored);
      this.holding = 'stored';
      this.logger.info('Loaded the last known flags from Redis; serving them until live flags arrive', {
        flags: Object.keys(stored.features ?? {}).length,
      });
    } catch (error) {
      this.recordError(`reading stored flags: ${errorMessage(error)}`);
      this.logger.warn('Could not read the stored flags from Redis', { error: errorMessage(error) });
    }
  }

  private scheduleWrite(): void {
    if (this.holding !== 'live' || this.closed) return;
    this.writePending = true;
    void this.writePendingData();
  }

  /** One write at a time; changes that arrive meanwhile are written together by the next one. */
  private async writePendingData(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.writePending && this.mirror.isReady() && !this.closed) {
        this.writePending = false;
        try {
          // eslint-disable-next-line no-await-in-loop -- one write at a time, by design
          await this.mirror.write(this.data.snapshot());
          this.lastWriteAt = new Date();
          if (this.writeFailing) this.logger.info('Flags written to Redis again');
          this.writeFailing = false;
        } catch (error) {
          this.writePending = true;
          this.writeFailed(error);
          return;
        }
      }
      if (this.writePending && !this.writeFailing) {
        // Not connected: the next connection writes it.
        this.writeFailed(new Error('Redis is not connected'));
      }
    } finally {
      this.writing = false;
    }
  }

  private writeFailed(error: unknown): void {
    this.recordError(`writing flags: ${errorMessage(error)}`);
    if (!this.writeFailing) {
      this.logger.warn('Could not write flags to Redis; they will be written when it takes them', {
        error: errorMessage(error),
      });
    }
    this.writeFailing = true;
    if (this.mirror.isReady()) {
      // Connected but refused (out of memory, a read-only replica): no reconnection will come.
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.writePendingData(), this.options.retryWriteMs);
      this.retryTimer.unref();
    }
  }

  private recordError(message: string): void {
    this.lastError = { message, at: new Date() };
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
