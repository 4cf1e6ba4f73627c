export { FlagClient, type FlagClientState, type FlagReader, type InitOutcome } from './flag-client';
export type { FlagEventsState } from './flag-event-counts';
export { EvaluationTally, type EvaluationCount } from './evaluation-tally';
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
