export {
  FlagClient,
  type FlagClientOptions,
  servingOf,
  type FlagClientState,
  type FlagReader,
  type InitOutcome,
} from './flag-client';
export type { FlagEventsState } from './flag-event-counts';
export type { FlagServing, FlagStore, FlagStoreState } from './flag-store';
export {
  DEFAULT_DAEMON_CACHE_TTL_S,
  DEFAULT_REDIS_PREFIX,
  type FlagStoreConfig,
  type RedisFlagStoreConfig,
} from './flag-store-config';
export { openRedisFlagStore } from './redis-flag-store';
export { EvaluationTally, type EvaluationCount } from './evaluation-tally';
export {
  FlagSourceMonitor,
  type FlagSourceHealth,
  type FlagSourceState,
  type RejectedFlagData,
} from './flag-source-monitor';
export { LOCAL_FILE_SDK_KEY, launchDarklyOptions, sdkKeyFor } from './launchdarkly-options';
export {
  flagClient,
  startFlagClient,
  stopFlagClient,
  type StartFlagClientOptions,
  type StartedFlagClient,
} from './process-flag-client';
export {
  DEFAULT_FLAGS_FILE,
  flagConfig,
  type FlagMode,
  type LaunchDarklyConfig,
  type LaunchDarklyEndpoints,
} from './flag-config';
