export {
  LaunchDarklyDouble,
  startLaunchDarklyDouble,
  type FaultStatus,
  type LaunchDarklyDoubleOptions,
  type LaunchDarklyFaults,
  type RequestRecord,
  type StreamFault,
  type StreamRecord,
} from './launchdarkly-double';
export { malformedPayloads, type MalformedPayload } from './malformed-payloads';
export type { AnalyticsEvent, EventPayloadRecord, SummaryCounter } from './event-recorder';
export {
  booleanFlag,
  jsonFlag,
  numberFlag,
  stringFlag,
  turnedOff,
  withFallthrough,
  withRule,
  withTargets,
  withTrackEvents,
} from './flag-builders';
export type {
  AllData,
  ClauseOp,
  FlagClause,
  FlagDefinition,
  FlagFallthrough,
  FlagRule,
  FlagTarget,
  JsonValue,
} from './flag-model';
export {
  capturingLdLogger,
  ldOptionsFor,
  silentLdLogger,
  type CapturingLdLogger,
  type LdLogLevel,
  type LdLogLine,
} from './sdk-options';
export { formatSseEvent } from './sse-stream';
export { deleteEvent, patchEvent, putEvent, type SseEvent } from './stream-payloads';
export { nextUpdate, SdkClients } from './sdk-clients';
