import { init, integrations, type LDClient, type LDOptions } from '@launchdarkly/node-server-sdk';

import {
  booleanFlag,
  ldOptionsFor,
  startLaunchDarklyDouble,
  type LaunchDarklyDouble,
} from '../../test/support/launchdarkly-double';
import { readSdkEventQueue } from './sdk-event-queue';

// These tests pin the private SDK fields that sdk-event-queue.ts reads. When one fails after an SDK
// upgrade, read the new EventProcessor and update that file: `npm run status` would show '-'.

const SDK_KEY = 'sdk-event-queue';
const DAY_S = 24 * 60 * 60;

let double: LaunchDarklyDouble;
const clients: LDClient[] = [];

beforeEach(async () => {
  double = await startLaunchDarklyDouble({ sdkKey: SDK_KEY, flags: [booleanFlag('f', true)] });
});

afterEach(async () => {
  clients.splice(0).forEach((ld) => ld.close());
  jest.useRealTimers();
  await double.close();
});

/** A real client on TestData flags, sending events to the double; its own flush timer out of the way. */
async function client(overrides: LDOptions = {}): Promise<LDClient> {
  const testData = new integrations.TestData();
  await testData.update(testData.flag('f').booleanFlag().variationForAll(true));
  const ld = init(
    SDK_KEY,
    ldOptionsFor(double, { updateProcessor: testData.getFactory(), flushInterval: DAY_S, ...overrides }),
  );
  clients.push(ld);
  await ld.waitForInitialization({ timeout: 5 });
  return ld;
}

function evaluateFor(ld: LDClient, keys: readonly string[]): Promise<boolean[]> {
  return Promise.all(keys.map((key) => ld.boolVariation('f', { kind: 'user', key }, false)));
}

describe('readSdkEventQueue on the installed SDK', () => {
  it('counts one queued event per new context, none for a repeated one, and 0 once a flush took them', async () => {
    const ld = await client();
    expect(readSdkEventQueue(ld)).toEqual({
      queued: 0,
      capacity: 10_000,
      droppedSinceReset: 0,
      resetMarker: null,
    });

    await evaluateFor(ld, ['a', 'b', 'c', 'a']);
    expect(readSdkEventQueue(ld)?.queued).toBe(3);

    await ld.flush();
    expect(readSdkEventQueue(ld)?.queued).toBe(0);
    expect(double.events().filter((event) => event.kind === 'index')).toHaveLength(3);
  });

  it('counts the events dropped because the queue was at its capacity', async () => {
    const ld = await client({ capacity: 2 });

    await evaluateFor(ld, ['a', 'b', 'c', 'd', 'e']);

    expect(readSdkEventQueue(ld)).toMatchObject({ queued: 2, capacity: 2, droppedSinceReset: 3 });
  });

  it('with diagnostics on, sees the SDK zero its dropped count at each periodic diagnostic event', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const ld = await client({ capacity: 1, diagnosticOptOut: false, diagnosticRecordingInterval: 60 });
    await evaluateFor(ld, ['a', 'b', 'c']);
    const before = readSdkEventQueue(ld);
    expect(before).toMatchObject({ queued: 1, droppedSinceReset: 2, resetMarker: expect.any(Number) });

    jest.advanceTimersByTime(60_000);

    const after = readSdkEventQueue(ld);
    expect(after).toMatchObject({ queued: 1, droppedSinceReset: 0 });
    expect(after?.resetMarker).not.toBe(before?.resetMarker);
    // The count it zeroed went to LaunchDarkly in that diagnostic event.
    jest.useRealTimers();
    const diagnostics = await double.waitForEventPayloads((payloads) =>
      payloads.some((payload) => (payload.body as { kind?: unknown }).kind === 'diagnostic'),
    );
    expect(diagnostics.map((payload) => payload.body)).toContainEqual(
      expect.objectContaining({ kind: 'diagnostic', droppedEvents: 2 }),
    );
  });

  it('reports nothing, and does not throw, for a client that sends no events or an unknown shape', async () => {
    expect(readSdkEventQueue(await client({ sendEvents: false }))).toBeUndefined();
    const shapes: unknown[] = [
      {},
      { _eventProcessor: null },
      { _eventProcessor: { _queue: 'not an array', _capacity: 10, _droppedEvents: 0 } },
      { _eventProcessor: { _queue: [], _capacity: '10', _droppedEvents: 0 } },
      { _eventProcessor: { _queue: [], _capacity: 10 } },
      { _eventProcessor: { _queue: [], _capacity: 10, _droppedEvents: 0, _diagnosticsManager: {} } },
    ];
    for (const shape of shapes) expect(readSdkEventQueue(shape as LDClient)).toBeUndefined();
  });
});
