export { registerFlagEvaluationCounter, registerFlagStateGauges } from './flag-metrics';
export { createMetricsServer, type MetricsServer } from './metrics-server';
export {
  instanceProbes,
  startPm2Metrics,
  type Pm2MetricsOptions,
  type Pm2MetricsPublisher,
  type Pm2Probe,
  type Pm2Probes,
} from './pm2-metrics';
export {
  createPrometheusMetrics,
  type PrometheusMetrics,
  type PrometheusMetricsOptions,
} from './prometheus-metrics';
export { observeAll, type RequestObserver, type RequestSample } from './request-sample';
export {
  createRequestWindow,
  type RequestWindow,
  type RequestWindowOptions,
  type RequestWindowSummary,
} from './request-window';
