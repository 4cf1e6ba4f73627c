import type { LDClient } from '@launchdarkly/node-server-sdk';

/** What the SDK's analytics event processor holds at this moment. */
export interface SdkEventQueueReading {
  /** Events waiting for the next flush (index, feature, custom; the summary is built at flush). */
  readonly queued: number;
  /** The `capacity` option: past it, the SDK drops new events. */
  readonly capacity: number;
  /** Events dropped over capacity since the SDK last zeroed its count. */
  readonly droppedSinceReset: number;
  /**
   * Changes each time the SDK zeroes its dropped count, which it does when it sends a periodic
   * diagnostic event (every `diagnosticRecordingInterval`); null when it sends none, so never zeroes.
   */
  readonly resetMarker: number | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * Reads the queue of the SDK's event processor, or returns undefined when it has none (events off:
 * `sendEvents: false`, offline) or its shape is not the one described here. Never throws.
 *
 * Why read private fields: the SDK has no public API for its event queue. Its hooks see
 * evaluations, not whether an event was queued or dropped; its diagnostic events carry
 * `droppedEvents` only to LaunchDarkly; its flush callback says only whether a flush succeeded.
 *
 * Checked against @launchdarkly/node-server-sdk 9.13.7 (js-server-sdk-common 2.21.5, js-sdk-common
 * 2.26.1): `LDClientImpl._eventProcessor` is `internal.EventProcessor` with `_queue` (array),
 * `_capacity`, `_droppedEvents` (zeroed with each periodic diagnostic event) and
 * `_diagnosticsManager` (undefined with `diagnosticOptOut`), whose `_dataSinceDate` is reset at the
 * same moment. `sdk-event-queue.test.ts` fails against an SDK where this no longer holds.
 */
export function readSdkEventQueue(ld: LDClient): SdkEventQueueReading | undefined {
  const processor: unknown = (ld as unknown as Record<string, unknown>)._eventProcessor;
  if (!isRecord(processor)) return undefined;
  const { _queue: queue, _capacity: capacity, _droppedEvents: dropped } = processor;
  if (!Array.isArray(queue) || !isCount(capacity) || !isCount(dropped)) return undefined;
  const diagnostics = processor._diagnosticsManager;
  let resetMarker: number | null = null;
  if (diagnostics !== undefined) {
    // Without the marker, a zeroed count could not be told from no drops: report nothing rather.
    if (!isRecord(diagnostics) || typeof diagnostics._dataSinceDate !== 'number') return undefined;
    resetMarker = diagnostics._dataSinceDate;
  }
  return { queued: queue.length, capacity, droppedSinceReset: dropped, resetMarker };
}
