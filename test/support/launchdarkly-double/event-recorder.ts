import type { IncomingHttpHeaders } from 'node:http';

/** One POST to `/bulk` or `/diagnostic`, whatever the double answered. */
export interface EventPayloadRecord {
  readonly endpoint: 'bulk' | 'diagnostic';
  /** What the double answered (202 when accepted). */
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body (an array of events for `/bulk`), or the raw text if it was not JSON. */
  readonly body: unknown;
  /** `X-LaunchDarkly-Payload-ID`; the SDK reuses it when it retries a payload. */
  readonly payloadId: string | undefined;
  readonly receivedAt: number;
}

/** An analytics event (`index`, `feature`, `custom`, `identify`, `summary`, …). */
export interface AnalyticsEvent {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** One counter of a summary event: how often `value` was served for a flag. */
export interface SummaryCounter {
  readonly value: unknown;
  readonly count: number;
  readonly variation?: number;
  readonly version?: number;
  /** True when the flag was unknown to the SDK (the default was served). */
  readonly unknown?: boolean;
}

const CONTEXT_EVENT_KINDS = new Set(['index', 'feature', 'custom', 'identify']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEvent(value: unknown): value is AnalyticsEvent {
  return isRecord(value) && typeof value.kind === 'string';
}

function isCounter(value: unknown): value is SummaryCounter {
  return isRecord(value) && typeof value.count === 'number';
}

/** The keys of a single-kind context (`{kind, key}`) or of each part of a multi-kind one. */
function keysOfContext(context: unknown): string[] {
  if (!isRecord(context)) return [];
  if (context.kind !== 'multi') return typeof context.key === 'string' ? [context.key] : [];
  return Object.entries(context)
    .filter(([kind]) => kind !== 'kind')
    .flatMap(([, part]) => (isRecord(part) && typeof part.key === 'string' ? [part.key] : []));
}

/**
 * Everything the SDK posted to the events endpoints, and readings of it. Only accepted `/bulk`
 * payloads count as delivered events, each payload id once (the SDK retries with the same id).
 */
export class EventRecorder {
  private readonly records: EventPayloadRecord[] = [];

  add(record: EventPayloadRecord): void {
    this.records.push(record);
  }

  payloads(): EventPayloadRecord[] {
    return [...this.records];
  }

  /** Analytics events from accepted `/bulk` payloads, in arrival order. */
  events(): AnalyticsEvent[] {
    const seenIds = new Set<string>();
    const events: AnalyticsEvent[] = [];
    for (const record of this.records) {
      if (record.endpoint !== 'bulk' || record.status >= 300 || !Array.isArray(record.body)) continue;
      if (record.payloadId !== undefined) {
        if (seenIds.has(record.payloadId)) continue;
        seenIds.add(record.payloadId);
      }
      events.push(...record.body.filter(isEvent));
    }
    return events;
  }

  /** Accepted `/diagnostic` payloads (`diagnostic-init`, then periodic `diagnostic`). */
  diagnostics(): AnalyticsEvent[] {
    return this.records
      .filter((record) => record.endpoint === 'diagnostic' && record.status < 300)
      .map((record) => record.body)
      .filter(isEvent);
  }

  /** Distinct context keys seen in index, feature, custom and identify events, in first-seen order. */
  contextKeys(): string[] {
    const keys = this.events()
      .filter((event) => CONTEXT_EVENT_KINDS.has(event.kind))
      .flatMap((event) => keysOfContext(event.context));
    return [...new Set(keys)];
  }

  /** Every summary counter delivered for `flagKey`. */
  summaryCounters(flagKey: string): SummaryCounter[] {
    return this.events()
      .filter((event) => event.kind === 'summary')
      .flatMap((event) => {
        const feature = isRecord(event.features) ? event.features[flagKey] : undefined;
        return isRecord(feature) && Array.isArray(feature.counters) ? feature.counters.filter(isCounter) : [];
      });
  }

  /** How many evaluations of `flagKey` the delivered summaries count, all values together. */
  summaryCounts(flagKey: string): number {
    return this.summaryCounters(flagKey).reduce((sum, counter) => sum + counter.count, 0);
  }
}
