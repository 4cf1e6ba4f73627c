import type { LDLogger } from '@launchdarkly/node-server-sdk';
import { format } from 'node:util';

import type { Logger } from '../logging';
import { DaemonFlagStore } from './daemon-flag-store';
import type { FlagSourceMonitor } from './flag-source-monitor';
import type { FlagStore } from './flag-store';
import type { RedisFlagStoreConfig } from './flag-store-config';
import { DEFAULT_LAST_KNOWN_OPTIONS, LastKnownFlagStore } from './last-known-flag-store';
import { createRedisClient, RedisFlagMirror, sdkRedisStore } from './redis-mirror';

function sdkLoggerOf(logger: Logger): LDLogger {
  return {
    // The store logs every failed reconnection: the client's own listener reports the outage once.
    error: (...args: unknown[]) => {
      const message = format(...args);
      if (!message.startsWith('Redis error - ')) logger.error(message);
    },
    warn: (...args: unknown[]) => logger.warn(format(...args)),
    info: (...args: unknown[]) => logger.debug(format(...args)),
    debug: (...args: unknown[]) => logger.debug(format(...args)),
  };
}

/**
 * Connects to Redis (never waiting: `opened` says when start-up may go on) and returns the flag
 * store for the configured use. Connection errors are logged once per outage, not once per attempt.
 * `monitor`: the flag source's (in daemon mode the store is the source; otherwise it hears only of
 * stored data refused as malformed).
 */
export function openRedisFlagStore(
  config: RedisFlagStoreConfig,
  flagLogger: Logger,
  monitor?: FlagSourceMonitor,
): FlagStore {
  const logger = flagLogger.child({ component: 'redis' });
  let down = false;
  const client = createRedisClient(config.url.reveal(), (error) => {
    if (!down) logger.warn('Redis connection failed; retrying in the background', { error: error.message });
    down = true;
  });
  client.on('ready', () => (down = false));
  if (config.use === 'daemon') {
    return new DaemonFlagStore(
      sdkRedisStore(client, config.prefix, config.cacheTtlS, sdkLoggerOf(logger)),
      client,
      config.prefix,
      logger,
      { connectWaitMs: DEFAULT_LAST_KNOWN_OPTIONS.connectWaitMs, probeIntervalMs: 5_000, monitor },
    );
  }
  return new LastKnownFlagStore(
    new RedisFlagMirror(client, config.prefix, logger),
    logger,
    DEFAULT_LAST_KNOWN_OPTIONS,
    monitor,
  );
}
