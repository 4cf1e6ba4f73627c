import type {
  LDFeatureStore,
  LDFeatureStoreDataStorage,
  LDFeatureStoreKindData,
  LDLogger,
} from '@launchdarkly/node-server-sdk';
import { RedisFeatureStore } from '@launchdarkly/node-server-sdk-redis';
import { Redis, type RedisOptions } from 'ioredis';
import { format } from 'node:util';

import type { Logger } from '../logging';
import { FULL_DATA_SET } from './flag-data';

/**
 * A persistent copy of the flag data, as the last-known store uses it: read once at a cold start,
 * written after every change. Every call fails fast while the store is unreachable.
 */
export interface FlagMirror {
  /** Connected and taking commands now. */
  isReady(): boolean;
  /** Called on every (re)connection, the first one included. */
  onReady(listener: () => void): void;
  /** Resolves once ready, or false after `timeoutMs`. */
  waitUntilReady(timeoutMs: number): Promise<boolean>;
  /** The full data set held, or undefined when the store holds none (never written, or emptied). */
  read(): Promise<LDFeatureStoreDataStorage | undefined>;
  /** Replaces the data set held; rejects when it was not written. */
  write(data: LDFeatureStoreDataStorage): Promise<void>;
  close(): void;
}

/**
 * ioredis settings that keep Redis off the critical path. By default ioredis queues commands while
 * it reconnects and fails them only after 20 reconnection attempts: an evaluation or a write then
 * waits ~10 s (docs/launchdarkly.md). Here a command fails at once while disconnected, a command in
 * flight when the connection drops fails at once, and a Redis that stops answering fails it after
 * `commandTimeout`. Reconnection goes on forever, backing off to 5 s.
 */
export const FAIL_FAST_REDIS_OPTIONS: RedisOptions = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 1_000,
  commandTimeout: 1_000,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 5_000),
});

/** The SDK's data kinds by namespace: the persistent store wrapper needs only the namespace. */
const KINDS = FULL_DATA_SET.map((namespace) => ({ namespace }));

/** Rejects after `ms`: RedisCore's `getAll` never calls back when Redis answers with an error. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The SDK's Redis store on our client; the factory reads only the logger from the client context. */
export function sdkRedisStore(
  client: Redis,
  prefix: string,
  cacheTtlS: number,
  logger: LDLogger,
): LDFeatureStore {
  const factory = RedisFeatureStore({ client, prefix, cacheTTL: cacheTtlS });
  return factory({ basicConfiguration: { logger } } as Parameters<typeof factory>[0]);
}

/** A fail-fast ioredis client for `url`, reconnecting forever; its errors go to `onError`. */
export function createRedisClient(url: string, onError: (error: Error) => void): Redis {
  const client = new Redis(url, { ...FAIL_FAST_REDIS_OPTIONS });
  client.on('error', onError);
  return client;
}

/**
 * The flag data in Redis, in the layout every LaunchDarkly SDK and the Relay Proxy share
 * (`{prefix}:features`, `{prefix}:segments`, `{prefix}:$inited`), read and written through
 * `@launchdarkly/node-server-sdk-redis`. Only its full-data-set calls are used: its `upsert` issues a
 * WATCH whose rejection nobody handles when Redis is down (an unhandledRejection, which stops the
 * instance), and its `getAll` never calls back on an error, hence the deadline on reads.
 */
export class RedisFlagMirror implements FlagMirror {
  private readonly store: LDFeatureStore;
  private readonly readyListeners: Array<() => void> = [];
  /** Errors the store logged during the write in progress: its `init` reports them only to the log. */
  private writeErrors: string[] | undefined;
  private downSince: Date | undefined;

  constructor(
    private readonly client: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.store = sdkRedisStore(client, prefix, 0, this.storeLogger());
    client.on('ready', () => {
      if (this.downSince) {
        logger.info('Redis is back', { downForMs: Date.now() - this.downSince.getTime() });
        this.downSince = undefined;
      }
      for (const listener of this.readyListeners) listener();
    });
    client.on('close', () => {
      this.downSince ??= new Date();
    });
  }

  isReady(): boolean {
    return this.client.status === 'ready';
  }

  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.isReady()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  async read(): Promise<LDFeatureStoreDataStorage | undefined> {
    this.assertReady();
    const deadlineMs = Number(FAIL_FAST_REDIS_OPTIONS.commandTimeout) + 500;
    const inited = await withDeadline(
      new Promise<boolean>((resolve) => this.store.initialized(resolve)),
      deadlineMs,
      'reading Redis',
    );
    if (!inited) return undefined;
    const items = await Promise.all(
      KINDS.map((kind) =>
        withDeadline(
          new Promise<LDFeatureStoreKindData>((resolve) => this.store.all(kind, resolve)),
          deadlineMs,
          `reading ${kind.namespace} from Redis`,
        ),
      ),
    );
    return Object.fromEntries(KINDS.map((kind, index) => [kind.namespace, items[index]!]));
  }

  async write(data: LDFeatureStoreDataStorage): Promise<void> {
    this.assertReady();
    const errors: string[] = [];
    this.writeErrors = errors;
    try {
      await new Promise<void>((resolve) => this.store.init(data, () => resolve()));
    } finally {
      this.writeErrors = undefined;
    }
    if (errors.length > 0) throw new Error(errors.join('; '));
  }

  close(): void {
    this.store.close();
    this.client.quit().catch(() => this.client.disconnect());
  }

  private assertReady(): void {
    if (!this.isReady()) throw new Error(`Redis is not connected (${this.client.status})`);
  }

  /**
   * The store's own log lines: errors during a write make it fail; the connection's errors, which
   * it logs on every reconnection attempt, are left to `createRedisClient`'s listener.
   */
  private storeLogger(): LDLogger {
    const redisLogger = this.logger;
    return {
      error: (...args: unknown[]) => {
        const message = format(...args);
        if (message.startsWith('Redis error - ')) return;
        if (this.writeErrors) this.writeErrors.push(message);
        else redisLogger.error(message);
      },
      warn: (...args: unknown[]) => redisLogger.warn(format(...args)),
      info: (...args: unknown[]) => redisLogger.debug(format(...args)),
      debug: (...args: unknown[]) => redisLogger.debug(format(...args)),
    };
  }
}
