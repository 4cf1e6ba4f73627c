import type { BuildFingerprint } from '../build';
import type { FlagClientState, FlagEventsState } from '../flags';
import type { LifecyclePhase } from '../lifecycle';

/**
 * How `npm run status` asks each instance about itself through PM2: the CLI sends a `StatusQuery`
 * with `pm2.sendDataToProcessId` (it arrives on the worker's `process.on('message')`), the worker
 * answers with `process.send(StatusReply)`, which PM2 publishes on its bus as `process:msg`.
 */
export const STATUS_QUERY_TOPIC = 'flagfleet:status';
export const STATUS_REPLY_TOPIC = 'flagfleet:status-reply';

/** What an instance says about itself. Nothing secret: no configuration, no SDK key. */
export interface InstanceStatus {
  readonly service: string;
  readonly instance: string;
  readonly pid: number;
  readonly phase: LifecyclePhase;
  /** Null while the flag client is not created yet. */
  readonly flags: FlagClientState | null;
  /**
   * The flag client's analytics events; null while it is not created yet. Absent from the reply of
   * an instance built before it existed (a status taken in the middle of a rollout).
   */
  readonly events?: FlagEventsState | null;
  /**
   * Which build it runs (shared/build): null when it could not be computed, absent from an instance
   * started before instances reported it. The rollout reloads only services whose build changed.
   */
  readonly build?: BuildFingerprint | null;
}

export interface StatusQuery {
  readonly type: 'process:msg';
  readonly topic: typeof STATUS_QUERY_TOPIC;
  /** Matches replies to this query when two status commands run at once. */
  readonly data: { readonly queryId: string };
}

export interface StatusReply {
  readonly type: 'process:msg';
  readonly data: {
    readonly topic: typeof STATUS_REPLY_TOPIC;
    readonly queryId: string;
    readonly status: InstanceStatus;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function statusQuery(queryId: string): StatusQuery {
  return { type: 'process:msg', topic: STATUS_QUERY_TOPIC, data: { queryId } };
}

export function isStatusQuery(message: unknown): message is StatusQuery {
  return (
    isRecord(message) &&
    message.topic === STATUS_QUERY_TOPIC &&
    isRecord(message.data) &&
    typeof message.data.queryId === 'string'
  );
}

export function statusReply(query: StatusQuery, status: InstanceStatus): StatusReply {
  return { type: 'process:msg', data: { topic: STATUS_REPLY_TOPIC, queryId: query.data.queryId, status } };
}

/** The reply in a bus packet's `data`, when it is one to the given query. */
export function replyTo(queryId: string, data: unknown): InstanceStatus | undefined {
  if (!isRecord(data) || data.topic !== STATUS_REPLY_TOPIC || data.queryId !== queryId) return undefined;
  return isRecord(data.status) ? (data.status as unknown as InstanceStatus) : undefined;
}
