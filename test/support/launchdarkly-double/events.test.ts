import type { LDClient } from '@launchdarkly/node-server-sdk';

import {
  booleanFlag,
  SdkClients,
  startLaunchDarklyDouble,
  stringFlag,
  withRule,
  withTrackEvents,
  type LaunchDarklyDouble,
} from './index';

const SDK_KEY = 'sdk-test-events-abc123';

const pro = { kind: 'user', key: 'u-pro', plan: 'pro' };
const free = { kind: 'user', key: 'u-free', plan: 'free' };

describe('LaunchDarkly double: events from the real SDK', () => {
  const clients = new SdkClients();
  let double: LaunchDarklyDouble;

  beforeEach(async () => {
    double = await startLaunchDarklyDouble({
      sdkKey: SDK_KEY,
      flags: [
        withRule(
          stringFlag('theme', ['light', 'dark'], 0),
          { attribute: 'plan', op: 'in', values: ['pro'] },
          1,
        ),
        withTrackEvents(booleanFlag('audited', true)),
      ],
    });
  });

  afterEach(async () => {
    clients.closeAll();
    await double.close();
  });

  async function readyClient(): Promise<LDClient> {
    const client = clients.start(double);
    await client.waitForInitialization({ timeout: 2 });
    return client;
  }

  it('flush() delivers index, custom and identify events with their context keys', async () => {
    const client = await readyClient();
    await client.stringVariation('theme', pro, 'fallback');
    await client.stringVariation('theme', free, 'fallback');
    client.track('checkout-completed', free, { cart: 3 }, 42);
    client.identify({ kind: 'user', key: 'u-identified' });

    await client.flush();

    expect(double.contextKeys()).toEqual(['u-pro', 'u-free', 'u-identified']);
    const kinds = double.events().map((event) => event.kind);
    expect(kinds).toEqual(expect.arrayContaining(['index', 'custom', 'identify', 'summary']));
    expect(double.events()).toContainEqual(
      expect.objectContaining({
        kind: 'custom',
        key: 'checkout-completed',
        data: { cart: 3 },
        metricValue: 42,
      }),
    );
  });

  it('summary counters count every evaluation, by value', async () => {
    const client = await readyClient();
    for (const context of [pro, pro, free, pro, free]) await client.stringVariation('theme', context, 'x');
    await client.stringVariation('no-such-flag', free, 'x');

    await client.flush();

    expect(double.summaryCounts('theme')).toBe(5);
    expect(double.summaryCounters('theme')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ value: 'dark', variation: 1, version: 1, count: 3 }),
        expect.objectContaining({ value: 'light', variation: 0, version: 1, count: 2 }),
      ]),
    );
    expect(double.summaryCounters('no-such-flag')).toEqual([
      expect.objectContaining({ value: 'x', count: 1, unknown: true }),
    ]);
  });

  it('a flag with trackEvents produces feature events carrying the context', async () => {
    const client = await readyClient();
    await client.boolVariation('audited', pro, false);

    await client.flush();

    expect(double.events()).toContainEqual(
      expect.objectContaining({
        kind: 'feature',
        key: 'audited',
        value: true,
        context: expect.objectContaining(pro),
      }),
    );
  });

  it('records /bulk headers: key, schema, payload id and the instance id of the client', async () => {
    const client = await readyClient();
    await client.boolVariation('audited', free, false);

    await client.flush();

    const [payload] = double.eventPayloads();
    expect(payload).toMatchObject({ endpoint: 'bulk', status: 202, payloadId: expect.any(String) });
    expect(payload.headers).toMatchObject({
      authorization: SDK_KEY,
      'content-type': 'application/json',
      'x-launchdarkly-event-schema': '4',
      'x-launchdarkly-instance-id': double.streams()[0].instanceId,
    });
  });

  it('waitForEvents resolves when the periodic flush delivers, with no flush() call', async () => {
    const client = clients.start(double, { flushInterval: 0.05 });
    await client.waitForInitialization({ timeout: 2 });
    await client.stringVariation('theme', pro, 'x');

    const events = await double.waitForEvents((delivered) =>
      delivered.some((event) => event.kind === 'summary'),
    );

    expect(events.map((event) => event.kind)).toContain('summary');
    expect(double.summaryCounts('theme')).toBe(1);
  });

  it('records the diagnostic-init payload on /diagnostic when diagnostics are on', async () => {
    clients.start(double, { diagnosticOptOut: false });

    const payloads = await double.waitForEventPayloads((seen) =>
      seen.some((p) => p.endpoint === 'diagnostic'),
    );

    expect(payloads.find((p) => p.endpoint === 'diagnostic')?.payloadId).toBeUndefined();
    expect(double.diagnostics()).toEqual([
      expect.objectContaining({
        kind: 'diagnostic-init',
        id: expect.objectContaining({ sdkKeySuffix: 'abc123' }),
        configuration: expect.objectContaining({ customStreamURI: true, customEventsURI: true }),
      }),
    ]);
  });

  it('answers 503 to events: the SDK retries the payload once with the same id, then reports it undelivered', async () => {
    const client = await readyClient();
    double.faults.events = 503;
    await client.stringVariation('theme', pro, 'x');

    // flush() resolves even when delivery fails; only its callback carries the outcome.
    const outcome = await new Promise<{ error: Error | null; delivered: boolean }>((resolve) => {
      void client.flush((error, delivered) => resolve({ error, delivered }));
    });

    expect(outcome.delivered).toBe(false);
    expect(outcome.error?.message).toMatch(/503/);
    const attempts = double.eventPayloads();
    expect(attempts.map((attempt) => attempt.status)).toEqual([503, 503]);
    expect(attempts[1].payloadId).toBe(attempts[0].payloadId);
    expect(double.events()).toEqual([]);
  });

  it("a payload refused once is delivered by the SDK's retry a second later", async () => {
    const client = await readyClient();
    double.faults.events = 503;
    await client.stringVariation('theme', pro, 'x');
    const flushed = client.flush();

    await double.waitForEventPayloads((seen) => seen.length === 1);
    double.faults.events = 'ok';
    await flushed;

    expect(double.eventPayloads().map((attempt) => attempt.status)).toEqual([503, 202]);
    expect(double.summaryCounts('theme')).toBe(1);
  });
});
