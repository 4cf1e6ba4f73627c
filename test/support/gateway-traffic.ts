import { startLoad, type LoadResponse, type LoadRun } from './load-client';

const QUOTE = { items: [{ sku: 'KB-001', quantity: 1 }] };

/**
 * Keep-alive traffic through the gateway, and so to catalog and pricing: product lists and quotes in
 * turns, four at a time, never retried. What the rollout tests keep running while the fleet changes.
 */
export function startGatewayTraffic(gatewayUrl: string, durationMs = 120_000): LoadRun<unknown> {
  return startLoad({
    baseUrl: gatewayUrl,
    concurrency: 4,
    durationMs,
    request: (index) =>
      index % 2 === 0
        ? { path: '/api/products?limit=2' }
        : { method: 'POST', path: '/api/quotes', body: QUOTE },
  });
}

/** The flag values a gateway answer carries (products: the sort; quotes: discount and shipping), as one string. */
export function flagValuesIn(response: LoadResponse): string {
  const body = JSON.parse(response.body) as {
    sort?: unknown;
    discountPercent?: unknown;
    freeShipping?: unknown;
  };
  if (body.sort !== undefined) return `sort=${String(body.sort)}`;
  return `discountPercent=${String(body.discountPercent)} freeShipping=${String(body.freeShipping)}`;
}
