import { Gauge, type Registry } from 'prom-client';

import type { FlagClientState } from '../flags';
import { flagSourceOf, type FlagSource } from '../flags/flag-store';

const SOURCES: readonly FlagSource[] = ['live', 'stored', 'fallback'];

/**
 * Where evaluations answer from, as a state set (`flag_client_source{source="stored"} 1`: serving
 * the last known flags of the store, not live), and the flag store's health when one is configured.
 * Read at scrape time.
 */
export function registerFlagStoreGauges(registry: Registry, flagState: () => FlagClientState | null): void {
  new Gauge({
    name: 'flag_client_source',
    help: 'What evaluations answer from: 1 for the current source (live, stored: the last known flags of the flag store, fallback: the values in the code)',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      const state = flagState();
      const current = state ? flagSourceOf(state) : 'fallback';
      for (const source of SOURCES) this.set({ source }, source === current ? 1 : 0);
    },
  });
  const storeGauge = (name: string, help: string, read: (state: FlagClientState) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const state = flagState();
        const value = state?.store ? read(state) : undefined;
        if (value !== undefined) this.set(value);
      },
    });
  storeGauge(
    'flag_store_connected',
    '1 when the flag store (Redis) takes commands, else 0; absent without a store',
    (state) => (state.store?.connected ? 1 : 0),
  );
  storeGauge(
    'flag_store_write_pending',
    '1 when flag data this instance holds is not yet written to the flag store, else 0',
    (state) => (state.store?.writePending ? 1 : 0),
  );
  storeGauge(
    'flag_store_last_write_timestamp_seconds',
    'When this instance last wrote its flags to the flag store, in Unix seconds; 0: never',
    (state) => (state.store?.lastWriteAt ? Date.parse(state.store.lastWriteAt) / 1000 : 0),
  );
}
