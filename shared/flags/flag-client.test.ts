import { init, type LDOptions } from '@launchdarkly/node-server-sdk';

import {
  booleanFlag,
  ldOptionsFor,
  startLaunchDarklyDouble,
  type LaunchDarklyDouble,
} from '../../test/support/launchdarkly-double';
import { waitFor } from '../../test/support/wait-for';
import { FlagClient } from './flag-client';

describe('FlagClient analytics events at shutdown', () => {
  it('waits for a scheduled flush that is retrying after a 503, so that batch is not lost', async () => {
    const double = await startLaunchDarklyDouble({ sdkKey: 'sdk-flush', flags: [booleanFlag('f', true)] });
    const ld = init('sdk-flush', ldOptionsFor(double, { flushInterval: 24 * 60 * 60 }));
    const client = new FlagClient(ld, 'relay', { flushIntervalMs: 50 });
    try {
      await client.waitForFlags(5);
      double.faults.events = 503;
      await client.boolean('f', { kind: 'user', key: 'in-the-retried-batch' }, false);
      // The scheduled flush has been refused once; the SDK now waits a second before its retry.
      await double.waitForEventPayloads(
        (payloads) => payloads.some((payload) => payload.status === 503),
        2000,
      );
      double.faults.events = 'ok';

      await client.shutdown(3000);

      // Delivered before shutdown returned, i.e. before the process would have exited.
      expect(double.contextKeys()).toContain('in-the-retried-batch');
    } finally {
      await double.close();
    }
  });
});

describe('FlagClient analytics event counts', () => {
  const SDK_KEY = 'sdk-event-counts';
  let double: LaunchDarklyDouble;
  const clients: FlagClient[] = [];

  beforeEach(async () => {
    double = await startLaunchDarklyDouble({ sdkKey: SDK_KEY, flags: [booleanFlag('f', true)] });
  });

  afterEach(async () => {
    jest.useRealTimers();
    await Promise.all(clients.splice(0).map((client) => client.shutdown(1000)));
    await double.close();
  });

  async function started(flushIntervalMs: number | undefined, options: LDOptions = {}): Promise<FlagClient> {
    const ld = init(SDK_KEY, ldOptionsFor(double, { flushInterval: 24 * 60 * 60, ...options }));
    const client = new FlagClient(ld, 'relay', { flushIntervalMs });
    clients.push(client);
    await client.waitForFlags(5);
    return client;
  }

  function evaluateFor(client: FlagClient, keys: readonly string[]): Promise<boolean[]> {
    return Promise.all(keys.map((key) => client.boolean('f', { kind: 'user', key }, false)));
  }

  it('queued counts the events of new contexts until the scheduled flush, which delivers them', async () => {
    const client = await started(1000);

    await evaluateFor(client, ['a', 'b', 'c', 'a']);
    expect(client.events()).toEqual({
      queued: 3,
      capacity: 10_000,
      dropped: 0,
      delivered: 0,
      failedFlushes: 0,
      lastFlushError: null,
    });

    await waitFor('the scheduled flush to deliver the events', () => client.events().delivered === 3, {
      timeoutMs: 3000,
    });
    expect(client.events()).toMatchObject({ queued: 0, dropped: 0, failedFlushes: 0 });
    expect(double.events().filter((event) => event.kind === 'index')).toHaveLength(3);
  });

  it('dropped counts the events refused over capacity since start, also after the SDK zeroes its own count', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const client = await started(undefined, {
      capacity: 1,
      diagnosticOptOut: false,
      diagnosticRecordingInterval: 60,
    });

    await evaluateFor(client, ['a', 'b', 'c']);
    expect(client.events()).toMatchObject({ queued: 1, capacity: 1, dropped: 2 });

    jest.advanceTimersByTime(60_000); // the SDK's periodic diagnostic event zeroes its dropped count
    expect(client.events()).toMatchObject({ queued: 1, dropped: 2 });
    await evaluateFor(client, ['d', 'e']);
    expect(client.events()).toMatchObject({ queued: 1, dropped: 4 });

    jest.useRealTimers();
    await double.waitForEventPayloads((payloads) =>
      payloads.some((payload) => payload.endpoint === 'diagnostic'),
    );
  });

  it('a flush the events endpoint refuses counts as failed, with its error, and delivers nothing', async () => {
    double.faults.events = 413; // refused for good: the SDK does not retry it
    const client = await started(50);

    await evaluateFor(client, ['a', 'b']);
    await waitFor('a failed flush', () => client.events().failedFlushes > 0, { timeoutMs: 3000 });

    expect(client.events()).toMatchObject({
      queued: 0,
      delivered: 0,
      lastFlushError: { message: expect.stringContaining('413'), at: expect.any(String) },
    });
  });

  it('a client that sends no events reports its queue figures as unknown', async () => {
    const client = await started(50, { sendEvents: false });

    await evaluateFor(client, ['a']);

    expect(client.events()).toEqual({
      queued: null,
      capacity: null,
      dropped: null,
      delivered: null,
      failedFlushes: 0,
      lastFlushError: null,
    });
  });
});
