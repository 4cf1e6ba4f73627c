import type {
  DataKind,
  LDFeatureStore,
  LDFeatureStoreDataStorage,
  LDFeatureStoreItem,
  LDFeatureStoreKindData,
  LDKeyedFeatureStoreItem,
} from '@launchdarkly/node-server-sdk';
import type { Redis } from 'ioredis';

import type { Logger } from '../logging';
import type { FlagSourceMonitor } from './flag-source-monitor';
import type { FlagServing, FlagStore, FlagStoreState } from './flag-store';

/** The key every SDK and the Relay Proxy set once a full data set is stored (RedisCore.js). */
export function initedKey(prefix: string): string {
  return `${prefix}:$inited`;
}

export interface DaemonFlagStoreOptions {
  readonly connectWaitMs: number;
  /** How often to check that the store still holds a data set. */
  readonly probeIntervalMs: number;
  /**
   * Told whether the store delivers (connected and holding a data set): in daemon mode the store is
   * the flag source, so `/readyz` and `npm run status` show its state as they show a stream's.
   */
  readonly monitor?: Pick<FlagSourceMonitor, 'delivered' | 'interrupted'>;
}

/**
 * Daemon mode (the SDK's `useLdd`): no stream; the SDK reads flags from Redis, where a Relay Proxy
 * writes them, and keeps each for its cache TTL. The SDK calls itself initialized at once, with or
 * without data, so whether there are flags is checked here: the `$inited` key, on every connection
 * and every `probeIntervalMs`. Flags from here are always "stored": only the writer knows how fresh
 * they are (Relay's `/status`). The source's state (delivering or interrupted) is this store's.
 */
export class DaemonFlagStore implements LDFeatureStore, FlagStore {
  readonly featureStore: LDFeatureStore = this;
  readonly daemon = true;
  readonly opened: Promise<void>;
  private holdsData = false;
  /** Whether the monitor was last told the store delivers. */
  private delivering = false;
  private lastError: { message: string; at: Date } | null = null;
  private readonly probeTimer: NodeJS.Timeout;
  private readonly monitor: DaemonFlagStoreOptions['monitor'];

  constructor(
    private readonly store: LDFeatureStore,
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    options: DaemonFlagStoreOptions,
  ) {
    this.monitor = options.monitor;
    client.on('ready', () => void this.probe());
    client.on('close', () => this.interrupted('Redis is not connected'));
    this.probeTimer = setInterval(() => void this.probe(), options.probeIntervalMs);
    this.probeTimer.unref();
    this.opened = this.open(options.connectWaitMs);
  }

  // ---- LDFeatureStore: the SDK's Redis store, except that nothing waits while Redis is down ----

  get(kind: DataKind, key: string, callback: (item: LDFeatureStoreItem | null) => void): void {
    this.store.get(kind, key, callback);
  }

  /** The SDK's `all` never calls back on a Redis error (allFlagsState would hang): empty instead. */
  all(kind: DataKind, callback: (items: LDFeatureStoreKindData) => void): void {
    if (this.client.status !== 'ready') {
      callback({});
      return;
    }
    let answered = false;
    const timer = setTimeout(() => answer({}), 1_500);
    const answer = (items: LDFeatureStoreKindData) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      callback(items);
    };
    this.store.all(kind, answer);
  }

  init(allData: LDFeatureStoreDataStorage, callback: () => void): void {
    this.store.init(allData, callback);
  }

  upsert(kind: DataKind, item: LDKeyedFeatureStoreItem, callback: () => void): void {
    this.store.upsert(kind, item, callback);
  }

  delete(kind: DataKind, key: string, version: number, callback: () => void): void {
    this.store.delete(kind, key, version, callback);
  }

  initialized(callback: (isInitialized: boolean) => void): void {
    callback(this.holdsData);
  }

  close(): void {
    clearInterval(this.probeTimer);
    this.store.close();
    this.client.quit().catch(() => this.client.disconnect());
  }

  getDescription(): string {
    return 'Redis (daemon mode)';
  }

  // ---- FlagStore ----

  describe(): { serving: FlagServing; initialized: boolean } {
    const stored = this.holdsData && this.client.status === 'ready';
    return { serving: stored ? 'stored' : 'fallback', initialized: stored };
  }

  state(): FlagStoreState {
    return {
      kind: 'redis',
      use: 'daemon',
      connected: this.client.status === 'ready',
      lastWriteAt: null,
      writePending: false,
      lastError: this.lastError && { message: this.lastError.message, at: this.lastError.at.toISOString() },
    };
  }

  private async open(connectWaitMs: number): Promise<void> {
    const ready = await new Promise<boolean>((resolve) => {
      if (this.client.status === 'ready') return resolve(true);
      const timer = setTimeout(() => resolve(false), connectWaitMs);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (ready) await this.probe();
    else {
      this.recordError(`Redis not connected within ${connectWaitMs} ms`);
      this.interrupted(`Redis not connected within ${connectWaitMs} ms`);
    }
  }

  private async probe(): Promise<void> {
    if (this.client.status !== 'ready') return;
    try {
      const held = (await this.client.exists(initedKey(this.prefix))) === 1;
      if (held !== this.holdsData) {
        if (held) this.logger.info('Redis holds a flag data set (daemon mode)');
        else this.logger.warn('Redis holds no flag data set: serving fallback values (daemon mode)');
      }
      this.holdsData = held;
      if (!held) this.interrupted('Redis holds no flag data set');
      else if (!this.delivering) {
        // Once per recovery, not on every probe: the monitor ends the incident's log limiting.
        this.delivering = true;
        this.monitor?.delivered();
      }
    } catch (error) {
      this.recordError(`checking for flags: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private recordError(message: string): void {
    this.lastError = { message, at: new Date() };
  }

  private interrupted(reason: string): void {
    this.delivering = false;
    this.monitor?.interrupted(reason);
  }
}
