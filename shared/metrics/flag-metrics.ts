import { Counter, Gauge, type Registry } from 'prom-client';

import type { EvaluationTally, FlagClientState } from '../flags';

/**
 * `flag_evaluations_total` by flag and variation index (`none` when the fallback was served: flag
 * unknown, client not initialised, wrong type). The index, not the value: values are unbounded.
 * The flag client tallies evaluations; the counter takes them at scrape time.
 */
export function registerFlagEvaluationCounter(
  registry: Registry,
  tally: () => EvaluationTally | undefined,
): void {
  new Counter({
    name: 'flag_evaluations_total',
    help: 'LaunchDarkly flag evaluations by flag and variation index (none: the fallback value was served)',
    labelNames: ['flag', 'variation'] as const,
    registers: [registry],
    collect() {
      for (const { flag, variation, count } of tally()?.drain() ?? []) this.inc({ flag, variation }, count);
    },
  });
}

/** The flag client's state as gauges, read at scrape time; 0 before the client exists or for "never". */
export function registerFlagStateGauges(registry: Registry, flagState: () => FlagClientState | null): void {
  const seconds = (iso: string | null | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);
  const gauge = (name: string, help: string, read: (state: FlagClientState) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const state = flagState();
        this.set((state && read(state)) ?? 0);
      },
    });
  gauge('flag_client_initialized', '1 when the LaunchDarkly client has its flags, else 0', (state) =>
    state.initialized ? 1 : 0,
  );
  gauge(
    'flag_client_last_update_timestamp_seconds',
    'When flag data last changed, in Unix seconds (the first full data set counts); 0: never',
    (state) => seconds(state.lastUpdateAt),
  );
  gauge(
    'flag_client_last_error_timestamp_seconds',
    'When the LaunchDarkly client last reported a problem, in Unix seconds; 0: never',
    (state) => seconds(state.lastError?.at),
  );
  new Gauge({
    name: 'flag_client_info',
    help: 'Always 1, labelled with how the client gets its flags (file, stream, relay)',
    labelNames: ['mode'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const state = flagState();
      if (state) this.set({ mode: state.mode }, 1);
    },
  });
}
