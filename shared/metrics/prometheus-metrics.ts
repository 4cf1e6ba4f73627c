import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

import type { EvaluationTally, FlagClientState } from '../flags';
import { registerFlagEvaluationCounter, registerFlagStateGauges } from './flag-metrics';
import { registerFlagStoreGauges } from './flag-store-metrics';
import type { RequestObserver } from './request-sample';

export interface PrometheusMetrics {
  readonly registry: Registry;
  readonly observeRequest: RequestObserver;
}

export interface PrometheusMetricsOptions {
  readonly service: string;
  readonly instance: string;
  readonly flagState: () => FlagClientState | null;
  /** The flag client's evaluation counts; undefined before the client exists. */
  readonly flagEvaluations: () => EvaluationTally | undefined;
}

/**
 * The label naming the instance a series came from. Not `instance`: Prometheus sets that label on
 * every scraped series itself (the target's host:port), so an `instance` of ours would be stored as
 * `exported_instance`.
 */
export const INSTANCE_LABEL = 'service_instance';

/**
 * One instance's metrics in a registry of its own (never prom-client's global one): process
 * defaults, HTTP request durations, flag evaluations and the flag client's state, every series
 * labelled with the service and instance (INSTANCE_LABEL) it came from.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service, [INSTANCE_LABEL]: options.instance });
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  registerFlagStateGauges(registry, options.flagState);
  registerFlagStoreGauges(registry, options.flagState);
  registerFlagEvaluationCounter(registry, options.flagEvaluations);
  return {
    registry,
    observeRequest: ({ method, route, status, durationMs }) =>
      duration.observe({ method, route, status }, durationMs / 1000),
  };
}
