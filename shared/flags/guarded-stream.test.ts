import { init, type LDClient } from '@launchdarkly/node-server-sdk';

import { fleetFlags } from '../../test/support/fleet-flags';
import {
  capturingLdLogger,
  ldOptionsFor,
  malformedPayloads,
  putEvent,
  startLaunchDarklyDouble,
  withFallthrough,
  type CapturingLdLogger,
  type LaunchDarklyDouble,
} from '../../test/support/launchdarkly-double';
import { waitFor } from '../../test/support/wait-for';
import { FlagSourceMonitor } from './flag-source-monitor';
import { guardedStreamSource } from './guarded-stream';

const SDK_KEY = 'sdk-guarded-stream';
const context = { kind: 'user', key: 'u' };

let double: LaunchDarklyDouble;
let ld: LDClient | undefined;
let log: CapturingLdLogger;
let monitor: FlagSourceMonitor;
const crashes: unknown[] = [];
const recordCrash = (error: unknown) => crashes.push(error);

beforeEach(async () => {
  double = await startLaunchDarklyDouble({ sdkKey: SDK_KEY, flags: fleetFlags() });
  log = capturingLdLogger();
  monitor = new FlagSourceMonitor();
  crashes.length = 0;
  process.on('unhandledRejection', recordCrash);
  process.on('uncaughtException', recordCrash);
});

afterEach(async () => {
  process.off('unhandledRejection', recordCrash);
  process.off('uncaughtException', recordCrash);
  ld?.close();
  ld = undefined;
  await double.close();
});

/** A client on the SDK's own streaming source, guarded, against the double. */
function startClient(silentStreamTimeoutMs = 60_000): LDClient {
  ld = init(
    SDK_KEY,
    ldOptionsFor(double, {
      logger: log.logger,
      updateProcessor: guardedStreamSource({ logger: log.logger, monitor, silentStreamTimeoutMs }),
    }),
  );
  return ld;
}

const refusals = () => log.lines('error').filter((line) => line.message.startsWith('Refused a malformed'));

describe('guardedStreamSource on the installed SDK', () => {
  it("streams through the SDK's own processor: headers, put, patch and delete reach the client", async () => {
    const client = startClient();
    await client.waitForInitialization({ timeout: 5 });
    const [stream] = await double.waitForStreams(1);
    expect(stream!.headers).toMatchObject({
      authorization: SDK_KEY,
      'x-launchdarkly-instance-id': expect.any(String),
    });
    expect(await client.variation('catalog-sort', context, 'x')).toBe('newest');
    const updated = new Promise((resolve) => client.once('update:catalog-sort', resolve));
    double.setFlag(withFallthrough(double.flag('catalog-sort')!, 0));
    await updated;
    expect(await client.variation('catalog-sort', context, 'x')).toBe('featured');
    expect(monitor.source()).toMatchObject({ state: 'delivering', reason: null });
  });

  it('refuses every message of the malformed corpus, logged once each: no crash, the last good flags stay', async () => {
    const client = startClient();
    await client.waitForInitialization({ timeout: 5 });
    const corpus = malformedPayloads(double.flag('catalog-sort')!);
    for (const payload of corpus) double.sendRaw(payload.event);
    await waitFor('every malformed message refused', () => refusals().length === corpus.length, {
      timeoutMs: 20_000,
    });

    expect(crashes).toEqual([]);
    expect(await client.variation('catalog-sort', context, 'x')).toBe('newest');
    expect(await client.variation('catalog-sort', { ...context, plan: 'free' }, 'x')).toBe('price-asc');
    expect(await client.variation('pricing-free-shipping', context, false)).toBe(true);
    expect(monitor.rejectedDataState()).toMatchObject({
      count: corpus.length,
      source: expect.stringMatching(/^stream /),
    });
    expect(refusals()[0]!.message).toMatch(/keeping the last good flag values$/);

    // Good data afterwards is applied, and the refusals are over.
    const updated = new Promise((resolve) => client.once('update:catalog-sort', resolve));
    double.setFlag(withFallthrough(double.flag('catalog-sort')!, 0));
    await updated;
    expect(await client.variation('catalog-sort', context, 'x')).toBe('featured');
    expect(monitor.rejectedDataState()).toBeNull();
  }, 30_000);

  it('a malformed put before any good data is refused; the client initialises on the next good put', async () => {
    double.faults.stream = 'silent';
    const client = startClient();
    await double.waitForStreams(1);
    const nullData = malformedPayloads(double.flag('catalog-sort')!).find(
      (payload) => payload.description === 'put: data null',
    )!;
    double.sendRaw(nullData.event);
    await waitFor('the put refused', () => refusals().length === 1);
    expect(client.initialized()).toBe(false);
    double.sendRaw(putEvent(double.allData()));
    await client.waitForInitialization({ timeout: 5 });
    expect(await client.variation('catalog-sort', context, 'x')).toBe('newest');
    expect(crashes).toEqual([]);
  });

  it('replaces a stream that connected and sent nothing, so flags come when the source recovers, not after 5 minutes', async () => {
    double.faults.stream = 'silent';
    const client = startClient(300);
    await expect(client.waitForInitialization({ timeout: 1 })).rejects.toThrow(/timed out/);
    expect(log.lines('warn').map((line) => line.message)).toContainEqual(
      expect.stringMatching(/^the stream connected but sent no flag data in 0\.3s; reconnecting/),
    );
    double.faults.stream = 'ok';
    // Replaced after at most 300 ms, 600 ms, 1.2 s…: 10 s is far more than the wait can take.
    await waitFor('flags after the source recovered', () => client.initialized(), { timeoutMs: 10_000 });
    expect(await client.variation('catalog-sort', context, 'x')).toBe('newest');
    expect(double.streams().length).toBeGreaterThan(1);
    expect(monitor.source().state).toBe('delivering');
  });
});
