import type { RequestSample } from './request-sample';

export interface RequestWindowSummary {
  readonly requestsPerMinute: number;
  readonly serverErrorsPerMinute: number;
  /** p95 of the latest samples within the minute (at most `maxSamples` of them); null with none. */
  readonly p95Ms: number | null;
}

export interface RequestWindow {
  record(sample: RequestSample): void;
  summary(): RequestWindowSummary;
}

export interface RequestWindowOptions {
  readonly windowMs?: number;
  /** Bounds memory under heavy traffic: the p95 is then over the latest samples only. */
  readonly maxSamples?: number;
  readonly now?: () => number;
}

/** Request figures over the last minute, for PM2's custom metrics (a histogram since start is not). */
export function createRequestWindow(options: RequestWindowOptions = {}): RequestWindow {
  const { windowMs = 60_000, maxSamples = 4096, now = Date.now } = options;
  // A ring of the latest samples: recording is O(1) on every request, however busy the instance.
  const sampledAt = new Float64Array(maxSamples);
  const durations = new Float64Array(maxSamples);
  let oldest = 0;
  let count = 0;
  // Counted per second apart from the samples, so the rates stay exact past maxSamples.
  const seconds: Array<{ second: number; requests: number; serverErrors: number }> = [];

  function prune(): void {
    const since = now() - windowMs;
    while (count > 0 && sampledAt[oldest]! <= since) {
      oldest = (oldest + 1) % maxSamples;
      count -= 1;
    }
    while (seconds.length > 0 && (seconds[0]!.second + 1) * 1000 <= since) seconds.shift();
  }

  return {
    record(sample) {
      const at = now();
      const serverError = /^5\d\d$/.test(sample.status);
      const second = Math.floor(at / 1000);
      let bucket = seconds.at(-1);
      if (bucket?.second !== second) seconds.push((bucket = { second, requests: 0, serverErrors: 0 }));
      bucket.requests += 1;
      if (serverError) bucket.serverErrors += 1;
      const slot = (oldest + count) % maxSamples;
      sampledAt[slot] = at;
      durations[slot] = sample.durationMs;
      if (count < maxSamples) count += 1;
      else oldest = (oldest + 1) % maxSamples; // full: the newest replaces the oldest
      prune();
    },
    summary() {
      prune();
      const sorted = Array.from(
        { length: count },
        (_, index) => durations[(oldest + index) % maxSamples]!,
      ).sort((a, b) => a - b);
      const p95 = sorted.length === 0 ? null : sorted[Math.ceil(sorted.length * 0.95) - 1]!;
      const total = (field: 'requests' | 'serverErrors') =>
        Math.round((seconds.reduce((sum, bucket) => sum + bucket[field], 0) * 60_000) / windowMs);
      return {
        requestsPerMinute: total('requests'),
        serverErrorsPerMinute: total('serverErrors'),
        p95Ms: p95 === null ? null : Math.round(p95 * 10) / 10,
      };
    },
  };
}
