import * as sdk from '@launchdarkly/node-server-sdk';
import { integrations, type LDOptions } from '@launchdarkly/node-server-sdk';

import { startLaunchDarklyDouble, type LaunchDarklyDouble } from '../../test/support/launchdarkly-double';
import { captureLogs, type CapturedLog } from '../../test/support/test-dependencies';
import { waitFor } from '../../test/support/wait-for';
import { Secret } from '../config';
import type { LaunchDarklyConfig } from './flag-config';
import type { FlagClient } from './flag-client';
import { EVENT_FLUSH_INTERVAL_MS } from './launchdarkly-options';
import { flagClient, startFlagClient, stopFlagClient } from './process-flag-client';

const fileConfig: LaunchDarklyConfig = {
  mode: 'file',
  flagsFile: '/unused/in/these/tests.json',
  initTimeoutS: 1,
};

/** A data source that never delivers flags, like a LaunchDarkly that cannot be reached. */
const silentDataSource: LDOptions['updateProcessor'] = () => ({
  start: () => undefined,
  stop: () => undefined,
  close: () => undefined,
});

/** A data source that fails for good at once, like a stream answered 401. */
const rejectingDataSource: LDOptions['updateProcessor'] = (
  _context,
  _updates,
  _initSuccess,
  errorHandler,
) => ({
  start: () => errorHandler?.(new Error('Authentication failed. Double check your SDK key.')),
  stop: () => undefined,
  close: () => undefined,
});

/** Starts the process client on the given data source (TestData when none), with a captured logger. */
function startWith(
  updateProcessor: LDOptions['updateProcessor'] = new integrations.TestData().getFactory(),
  logger = captureLogs().logger,
) {
  return startFlagClient({
    config: fileConfig,
    logger,
    applicationId: 'test',
    overrides: { updateProcessor },
  });
}

describe('the process flag client', () => {
  afterEach(async () => {
    await stopFlagClient(100);
  });

  it('starting twice makes one client: the second start returns the first one', async () => {
    const initSpy = jest.spyOn(sdk, 'init');
    const testData = new integrations.TestData();
    const options = {
      config: fileConfig,
      logger: captureLogs().logger,
      applicationId: 'test',
      overrides: { updateProcessor: testData.getFactory() },
    };

    const [first, second] = await Promise.all([startFlagClient(options), startFlagClient(options)]);
    const third = await startFlagClient(options);

    expect(initSpy).toHaveBeenCalledTimes(1);
    expect(second.client).toBe(first.client);
    expect(third.client).toBe(first.client);
    expect(flagClient()).toBe(first.client);
  });

  it('the accessor refuses to hand out a client before start, instead of making one', () => {
    expect(() => flagClient()).toThrow(/not started/);
  });

  it('when flags arrive, reports initialized with the time it took', async () => {
    const testData = new integrations.TestData();
    await testData.update(testData.flag('catalog-sort').valueForAll('newest'));
    const started = await startWith(testData.getFactory());

    expect(started.initialized).toBe(true);
    expect(started.durationMs).toBeGreaterThanOrEqual(0);
    expect(await started.client.string('catalog-sort', { kind: 'user', key: 'u' }, 'featured')).toBe(
      'newest',
    );
    expect(started.client.state()).toMatchObject({ mode: 'file', initialized: true, lastError: null });
    expect(started.client.state().lastUpdateAt).not.toBeNull();
  });

  it('when flags do not arrive in time, starts anyway, serves fallbacks and says the SDK keeps retrying', async () => {
    const started = await startWith(silentDataSource);

    expect(started.initialized).toBe(false);
    expect(started.reason).toMatch(/no flag data within 1s.*serving fallback values, the SDK keeps retrying/);
    expect(started.durationMs).toBeGreaterThanOrEqual(950);
    expect(await started.client.string('catalog-sort', { kind: 'user', key: 'u' }, 'featured')).toBe(
      'featured',
    );
    expect(started.client.state().initialized).toBe(false);
  });

  it('when the data source fails for good, starts anyway and records the error for /readyz', async () => {
    const started = await startWith(rejectingDataSource);

    expect(started.initialized).toBe(false);
    expect(started.reason).toMatch(
      /^Authentication failed\. Double check your SDK key\.; serving fallback values/,
    );
    expect(started.client.state().lastError).toMatchObject({
      message: 'Authentication failed. Double check your SDK key.',
    });
    expect(await started.client.boolean('maintenance-mode', { kind: 'user', key: 'u' }, false)).toBe(false);
  });

  it('records SDK warnings as the last error, so /readyz can say why flags are missing', async () => {
    const started = await startWith(silentDataSource);
    started.client.ld.logger?.warn(
      'Received I/O error (connect ECONNREFUSED) for streaming request - will retry',
    );

    expect(started.client.state().lastError?.message).toBe(
      'Received I/O error (connect ECONNREFUSED) for streaming request - will retry',
    );
  });

  describe('analytics event problems, counted with the events, are not recorded as the last error', () => {
    let double: LaunchDarklyDouble;

    beforeEach(async () => {
      double = await startLaunchDarklyDouble({ sdkKey: 'sdk-events' });
    });

    afterEach(async () => {
      jest.useRealTimers();
      double.faults.events = 'ok';
      await stopFlagClient(1000);
      await double.close();
    });

    /** The client as a relay-mode instance runs it, events on, with flags from TestData. */
    async function startRelay(overrides: LDOptions = {}) {
      const log = captureLogs();
      const testData = new integrations.TestData();
      await testData.update(testData.flag('f').booleanFlag().variationForAll(true));
      const started = await startFlagClient({
        config: {
          mode: 'relay',
          sdkKey: new Secret(double.sdkKey),
          endpoints: { baseUri: double.url, streamUri: double.url, eventsUri: double.url },
          initTimeoutS: 1,
          store: { kind: 'memory' },
        },
        logger: log.logger,
        applicationId: 'test',
        overrides: { updateProcessor: testData.getFactory(), ...overrides },
      });
      return { client: started.client, log };
    }

    function evaluateFor(client: FlagClient, keys: readonly string[]): Promise<boolean[]> {
      return Promise.all(keys.map((key) => client.boolean('f', { kind: 'user', key }, false)));
    }

    function warned(log: CapturedLog, message: RegExp): Promise<true> {
      return waitFor(`a warning matching ${message}`, () =>
        log.lines().some((line) => line.level === 'warn' && message.test(String(line.msg))),
      );
    }

    it('the SDK warning that its event queue is full', async () => {
      const { client, log } = await startRelay({ capacity: 1 });

      await evaluateFor(client, ['a', 'b', 'c']);

      await warned(log, /^Exceeded event queue capacity\. Increase capacity to avoid dropping events\.$/);
      expect(client.events()).toMatchObject({ queued: 1, dropped: 2 });
      expect(client.state().lastError).toBeNull();
    });

    it('the warning that a scheduled flush failed', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const { client, log } = await startRelay();
      double.faults.events = 413; // refused for good: the SDK does not retry it
      await evaluateFor(client, ['a']);

      jest.advanceTimersByTime(EVENT_FLUSH_INTERVAL_MS);
      jest.useRealTimers();

      await warned(log, /^Could not deliver analytics events: .*413/);
      expect(client.events()).toMatchObject({ failedFlushes: 1, lastFlushError: expect.anything() });
      expect(client.state().lastError).toBeNull();
    });
  });

  it('stop flushes analytics events first, then closes the client', async () => {
    const { client } = await startWith();
    const calls: string[] = [];
    jest.spyOn(client.ld, 'flush').mockImplementation(async (callback) => {
      calls.push('flush started');
      await new Promise((resolve) => setTimeout(resolve, 20));
      calls.push('flush finished');
      callback?.(null, true);
    });
    jest.spyOn(client.ld, 'close').mockImplementation(() => calls.push('close'));

    await stopFlagClient(1000);

    expect(calls).toEqual(['flush started', 'flush finished', 'close']);
    expect(() => flagClient()).toThrow(/not started/);
  });

  it('stop reports a failed delivery (which flush() only tells its callback) and still closes the client', async () => {
    const { client } = await startWith();
    jest.spyOn(client.ld, 'flush').mockImplementation(async (callback) => {
      callback?.(new Error('events endpoint answered 503'), false);
    });
    const close = jest.spyOn(client.ld, 'close');

    await expect(stopFlagClient(1000)).rejects.toThrow('events endpoint answered 503');
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('stop still closes the client when the flush hangs, and reports it', async () => {
    const { client } = await startWith();
    jest.spyOn(client.ld, 'flush').mockReturnValue(new Promise(() => undefined));
    const close = jest.spyOn(client.ld, 'close');

    await expect(stopFlagClient(50)).rejects.toThrow('flushing analytics events took longer than 50 ms');
    expect(close).toHaveBeenCalledTimes(1);
  });
});
