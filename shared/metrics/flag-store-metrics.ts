import { Gauge, type Registry } from 'prom-client';

import { servingOf, type FlagClientState, type FlagServing, type FlagStoreState } from '../flags';

const SERVING: readonly FlagServing[] = ['live', 'stored', 'fallback'];

/**
 * What evaluations answer from, as a state set (`flag_client_serving{serving="stored"} 1`: the last
 * known flags of the flag store, not live), and the flag store's health when one is configured.
 * Read at scrape time.
 */
export function registerFlagStoreGauges(registry: Registry, flagState: () => FlagClientState | null): void {
  new Gauge({
    name: 'flag_client_serving',
    help: 'What evaluations answer from: 1 for the current one (live; stored: the last known flags of the flag store, not live; fallback: the values in the code)',
    labelNames: ['serving'] as const,
    registers: [registry],
    collect() {
      const state = flagState();
      const current = state ? servingOf(state) : 'fallback';
      for (const serving of SERVING) this.set({ serving }, serving === current ? 1 : 0);
    },
  });
  // Labelled with the store's use (last-known, daemon): a gauge without labels always has a series,
  // and these have none without a store.
  const storeGauge = (name: string, help: string, read: (store: FlagStoreState) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['use'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const store = flagState()?.store;
        if (store) this.set({ use: store.use }, read(store));
      },
    });
  storeGauge(
    'flag_store_connected',
    '1 when the flag store (Redis) takes commands, else 0; absent without a store',
    (store) => (store.connected ? 1 : 0),
  );
  storeGauge(
    'flag_store_write_pending',
    '1 when flag data this instance holds is not yet written to the flag store, else 0',
    (store) => (store.writePending ? 1 : 0),
  );
  storeGauge(
    'flag_store_last_write_timestamp_seconds',
    'When this instance last wrote its flags to the flag store, in Unix seconds; 0: never',
    (store) => (store.lastWriteAt ? Date.parse(store.lastWriteAt) / 1000 : 0),
  );
}
