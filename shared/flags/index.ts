export { FlagClient, type FlagClientState, type FlagReader, type InitOutcome } from './flag-client';
export type { FlagEventsState } from './flag-event-counts';
export { flagSourceOf, type FlagSource, type FlagStore, type FlagStoreState } from './flag-store';
export { LastKnownFlagStore } from './last-known-flag-store';
export { openRedisFlagStore } from './redis-flag-store';
export { EvaluationTally, type EvaluationCount } from './evaluation-tally';
export { LOCAL_FILE_SDK_KEY, launchDarklyOptions, sdkKeyFor } from './launchdarkly-options';
export {
  flagClient,
  startFlagClient,
  stopFlagClient,
  type StartFlagClientOptions,
  type StartedFlagClient,
} from './process-flag-client';
