import { startLoad, type LoadRun, type LoadSummary } from './load-client';

const QUOTE = { items: [{ sku: 'KB-001', quantity: 1 }] };

export interface BalancedLoad {
  /** Stops both loads; resolves with each one's summary. */
  stop(): Promise<{ get: LoadSummary<undefined>; post: LoadSummary<undefined> }>;
  completed(): number;
}

/**
 * Keep-alive GET and POST traffic through a load balancer, never retried, counted apart: a GET may
 * be retried by the balancer on another host, a POST may not (it may have run already).
 */
export function startBalancedLoad(baseUrl: string, concurrency = 3, durationMs = 180_000): BalancedLoad {
  const get: LoadRun<undefined> = startLoad({
    baseUrl,
    concurrency,
    durationMs,
    request: () => ({ path: '/api/products?limit=2' }),
  });
  const post: LoadRun<undefined> = startLoad({
    baseUrl,
    concurrency,
    durationMs,
    request: () => ({ method: 'POST', path: '/api/quotes', body: QUOTE }),
  });
  return {
    async stop() {
      const [getSummary, postSummary] = await Promise.all([get.stop(), post.stop()]);
      return { get: getSummary, post: postSummary };
    },
    completed: () => get.completed() + post.completed(),
  };
}

/** `GET 0/5123 failed, POST 0/5101 failed`, with the kinds of failure. */
export function describeLoad(summary: { get: LoadSummary<undefined>; post: LoadSummary<undefined> }): string {
  const one = (name: string, s: LoadSummary<undefined>) =>
    `${name} ${s.failed}/${s.total} failed${s.failed > 0 ? ` ${JSON.stringify(s.failures)}` : ''}`;
  return `${one('GET', summary.get)}, ${one('POST', summary.post)}`;
}
