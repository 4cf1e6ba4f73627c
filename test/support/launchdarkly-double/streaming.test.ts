import type { LDClient } from '@launchdarkly/node-server-sdk';

import {
  booleanFlag,
  nextUpdate,
  numberFlag,
  SdkClients,
  startLaunchDarklyDouble,
  stringFlag,
  turnedOff,
  withRule,
  withTargets,
  type LaunchDarklyDouble,
} from './index';

const SDK_KEY = 'sdk-test-streaming';

const pro = { kind: 'user', key: 'u-pro', plan: 'pro' };
const free = { kind: 'user', key: 'u-free', plan: 'free' };
const vip = { kind: 'user', key: 'u-vip', plan: 'free' };

function checkoutFlag() {
  const base = stringFlag('checkout-flow', ['classic', 'express', 'beta'], 0);
  return withTargets(withRule(base, { attribute: 'plan', op: 'in', values: ['pro'] }, 1), ['u-vip'], 2);
}

describe('LaunchDarkly double: streaming against the real SDK', () => {
  const clients = new SdkClients();
  let double: LaunchDarklyDouble;

  beforeEach(async () => {
    double = await startLaunchDarklyDouble({
      sdkKey: SDK_KEY,
      flags: [checkoutFlag(), booleanFlag('new-banner', true), numberFlag('page-size', [10, 25, 50], 1)],
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

  it('initialises the SDK from the put and evaluates rules, targets and fallthrough', async () => {
    const client = await readyClient();

    expect(client.initialized()).toBe(true);
    expect(await client.stringVariation('checkout-flow', pro, 'fallback')).toBe('express');
    expect(await client.stringVariation('checkout-flow', free, 'fallback')).toBe('classic');
    expect(await client.stringVariation('checkout-flow', vip, 'fallback')).toBe('beta');
    expect(await client.boolVariation('new-banner', free, false)).toBe(true);
    expect(await client.numberVariation('page-size', free, 0)).toBe(25);
    const detail = await client.variationDetail('checkout-flow', pro, 'fallback');
    expect(detail.reason).toMatchObject({ kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'checkout-flow-rule-0' });
    expect((await client.variationDetail('checkout-flow', vip, 'fallback')).reason).toEqual({
      kind: 'TARGET_MATCH',
    });
  });

  it('sends the put with path "/" and data, and records the stream with its SDK headers', async () => {
    await readyClient();

    const [stream] = await double.waitForStreams(1);
    expect(stream).toMatchObject({ id: 1, status: 200, userAgent: expect.stringMatching(/^NodeJSClient\//) });
    expect(stream.headers.authorization).toBe(SDK_KEY);
    expect(stream.headers.accept).toBe('text/event-stream');
    expect(stream.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(stream.putAt).toBeGreaterThanOrEqual(stream.openedAt);
    expect(stream.closedAt).toBeUndefined();
    expect(double.requests()).toEqual([
      expect.objectContaining({ method: 'GET', path: '/all', status: 200 }),
    ]);
  });

  it('a patch changes the value the SDK serves (awaiting the update event)', async () => {
    const client = await readyClient();
    const updated = nextUpdate(client, 'new-banner');

    const stored = double.setFlag(booleanFlag('new-banner', false));
    await updated;

    expect(stored.version).toBe(2);
    expect(await client.boolVariation('new-banner', free, true)).toBe(false);
  });

  it('a patch can change targeting, not just values', async () => {
    const client = await readyClient();
    const updated = nextUpdate(client, 'checkout-flow');

    double.setFlag(withRule(checkoutFlag(), { attribute: 'plan', op: 'in', values: ['free'] }, 2));
    await updated;

    expect(await client.stringVariation('checkout-flow', free, 'fallback')).toBe('beta');
    expect(await client.stringVariation('checkout-flow', pro, 'fallback')).toBe('express');
  });

  it('switching a flag off serves its off variation', async () => {
    const client = await readyClient();
    const updated = nextUpdate(client, 'page-size');

    double.setFlag(turnedOff(numberFlag('page-size', [10, 25, 50], 1)));
    await updated;

    expect(await client.numberVariation('page-size', free, 0)).toBe(10);
  });

  it('a delete makes the SDK return the fallback (FLAG_NOT_FOUND)', async () => {
    const client = await readyClient();
    const updated = nextUpdate(client, 'new-banner');

    const version = double.deleteFlag('new-banner');
    await updated;

    expect(version).toBe(2);
    const detail = await client.boolVariationDetail('new-banner', free, false);
    expect(detail.value).toBe(false);
    expect(detail.reason).toEqual({ kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' });
  });

  it('a flag set again after a delete gets a version above the tombstone, so the SDK takes it', async () => {
    const client = await readyClient();
    const deleted = nextUpdate(client, 'new-banner');
    double.deleteFlag('new-banner');
    await deleted;
    const restored = nextUpdate(client, 'new-banner');

    const stored = double.setFlag(booleanFlag('new-banner', true));
    await restored;

    expect(stored.version).toBe(3);
    expect(await client.boolVariation('new-banner', free, false)).toBe(true);
  });

  it('a new flag reaches every open stream', async () => {
    const first = await readyClient();
    const second = await readyClient();
    const updates = [nextUpdate(first, 'late-flag'), nextUpdate(second, 'late-flag')];

    double.setFlag(stringFlag('late-flag', ['a', 'b'], 1));
    await Promise.all(updates);

    expect(await first.stringVariation('late-flag', free, 'x')).toBe('b');
    expect(await second.stringVariation('late-flag', free, 'x')).toBe('b');
  });

  it('records a distinct instance id per SDK client', async () => {
    await Promise.all([readyClient(), readyClient()]);

    const streams = await double.waitForStreams(2);
    const ids = streams.map((stream) => stream.instanceId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(2);
  });

  it('serves the polling endpoint to an SDK with streaming off', async () => {
    const client = clients.start(double, { stream: false });
    await client.waitForInitialization({ timeout: 2 });

    expect(await client.stringVariation('checkout-flow', pro, 'fallback')).toBe('express');
    expect(double.streams()).toEqual([]);
    expect(double.requests()).toEqual([
      expect.objectContaining({ method: 'GET', path: '/sdk/latest-all', status: 200 }),
    ]);
  });
});
