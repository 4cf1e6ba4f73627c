import { init, integrations } from '@launchdarkly/node-server-sdk';
import { register as globalRegistry } from 'prom-client';

import { FlagClient, type FlagClientState } from '../flags';
import { createPrometheusMetrics } from './prometheus-metrics';

const state: FlagClientState = {
  mode: 'relay',
  initialized: true,
  initDurationMs: 12,
  lastUpdateAt: '2026-01-01T00:00:10.000Z',
  lastError: { message: 'stream dropped', at: '2026-01-01T00:00:20.000Z' },
};

describe('createPrometheusMetrics', () => {
  it('counts evaluations made through the flag client by flag and variation, fallbacks as "none", cumulatively across scrapes', async () => {
    const testData = new integrations.TestData();
    await testData.update(testData.flag('catalog-sort').variations('a', 'b').fallthroughVariation(1));
    const ld = init('test', {
      updateProcessor: testData.getFactory(),
      sendEvents: false,
      logger: {
        error: () => undefined,
        warn: () => undefined,
        info: () => undefined,
        debug: () => undefined,
      },
    });
    const flags = new FlagClient(ld, 'file');
    const metrics = createPrometheusMetrics({
      service: 'catalog',
      instance: '1',
      flagState: () => state,
      flagEvaluations: () => flags.evaluations,
    });
    const series = (flag: string, variation: string) =>
      `flag_evaluations_total{flag="${flag}",variation="${variation}",service="catalog",service_instance="1"}`;
    try {
      await ld.waitForInitialization({ timeout: 5 });
      const context = { kind: 'user', key: 'u' };
      await flags.string('catalog-sort', context, 'x');
      await flags.string('catalog-sort', context, 'x');
      await flags.boolean('no-such-flag', context, false);
      const first = await metrics.registry.metrics();
      expect(first).toContain(`${series('catalog-sort', '1')} 2`);
      expect(first).toContain(`${series('no-such-flag', 'none')} 1`);

      await flags.string('catalog-sort', context, 'x');
      expect(await metrics.registry.metrics()).toContain(`${series('catalog-sort', '1')} 3`);
    } finally {
      ld.close();
    }
  });

  it("reads the flag client's state at scrape time, and has process defaults and the request histogram", async () => {
    let current: FlagClientState | null = null;
    const metrics = createPrometheusMetrics({
      service: 'gateway',
      instance: '0',
      flagState: () => current,
      flagEvaluations: () => undefined,
    });
    const before = await metrics.registry.metrics();
    expect(before).toContain('flag_client_initialized{service="gateway",service_instance="0"} 0');
    expect(before).toContain(
      'flag_client_last_update_timestamp_seconds{service="gateway",service_instance="0"} 0',
    );
    expect(before).not.toContain('flag_client_info{');

    current = state;
    metrics.observeRequest({ method: 'GET', route: '/api/products', status: '200', durationMs: 30 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('flag_client_initialized{service="gateway",service_instance="0"} 1');
    expect(text).toContain('flag_client_info{mode="relay",service="gateway",service_instance="0"} 1');
    expect(text).toContain(
      'flag_client_last_update_timestamp_seconds{service="gateway",service_instance="0"} 1767225610',
    );
    expect(text).toContain(
      'flag_client_last_error_timestamp_seconds{service="gateway",service_instance="0"} 1767225620',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.05",service="gateway",service_instance="0",method="GET",route="/api/products",status="200"} 1',
    );
    expect(text).toMatch(/^process_resident_memory_bytes\{service="gateway",service_instance="0"\} \d+/m);
  });

  it("says what evaluations answer from (live, stored, fallback), and the flag store's health only when there is one", async () => {
    let current: FlagClientState | null = null;
    const metrics = createPrometheusMetrics({
      service: 'catalog',
      instance: '1',
      flagState: () => current,
      flagEvaluations: () => undefined,
    });
    const labels = 'service="catalog",service_instance="1"';
    const serving = (text: string) =>
      Object.fromEntries(
        [...text.matchAll(/^flag_client_serving\{serving="(\w+)",[^}]*\} (\d)$/gm)].map((m) => [m[1], m[2]]),
      );
    const before = await metrics.registry.metrics();
    expect(serving(before)).toEqual({ live: '0', stored: '0', fallback: '1' });
    expect(before).not.toContain('flag_store_connected{');

    current = { ...state, initialized: false, serving: 'stored', store: null };
    expect(serving(await metrics.registry.metrics())).toEqual({ live: '0', stored: '1', fallback: '0' });

    current = {
      ...state,
      serving: 'live',
      store: {
        kind: 'redis',
        use: 'last-known',
        connected: true,
        lastWriteAt: '2026-01-01T00:00:30.000Z',
        writePending: false,
        lastError: null,
      },
    };
    const text = await metrics.registry.metrics();
    expect(serving(text)).toEqual({ live: '1', stored: '0', fallback: '0' });
    expect(text).toContain(`flag_store_connected{use="last-known",${labels}} 1`);
    expect(text).toContain(`flag_store_write_pending{use="last-known",${labels}} 0`);
    expect(text).toContain(`flag_store_last_write_timestamp_seconds{use="last-known",${labels}} 1767225630`);

    current = { ...state }; // an instance that predates `serving`: initialized means live
    const without = await metrics.registry.metrics();
    expect(serving(without)).toEqual({ live: '1', stored: '0', fallback: '0' });
    expect(without).not.toContain('flag_store_connected{');
  });

  it('keeps each registry to itself: two instances in one process do not clash, the global one stays empty', async () => {
    createPrometheusMetrics({
      service: 'a',
      instance: '0',
      flagState: () => null,
      flagEvaluations: () => undefined,
    });
    createPrometheusMetrics({
      service: 'b',
      instance: '0',
      flagState: () => null,
      flagEvaluations: () => undefined,
    });
    expect((await globalRegistry.metrics()).trim()).toBe('');
  });
});
