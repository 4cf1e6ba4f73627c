/** One served request, as the metrics see it once its response has gone. */
export interface RequestSample {
  readonly method: string;
  /** The matched route pattern (`/api/products/:sku`), never the raw path, so label values stay few. */
  readonly route: string;
  /** The final status code, or `aborted` when the client left before the response was complete. */
  readonly status: string;
  readonly durationMs: number;
}

export type RequestObserver = (sample: RequestSample) => void;

/** Hands each sample to every observer (the Prometheus histogram, the PM2 rolling window). */
export function observeAll(...observers: readonly RequestObserver[]): RequestObserver {
  return (sample) => observers.forEach((observe) => observe(sample));
}
