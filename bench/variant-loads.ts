import type { LoadResponse } from '../test/support/load-client';
import type { RolloutLoad } from './measure/rollout-under-load';
import type { Session } from './fleet-session';

/** What a `pro` user gets from the fleet's flags; the code's fallbacks differ (`featured`, 0 %, no free shipping). */
const PRO = { 'X-User-Plan': 'pro' };
const QUOTE = { items: [{ sku: 'KB-001', quantity: 1 }] };

function parsed(response: LoadResponse): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

const productsAreFallback = (response: LoadResponse) => parsed(response).sort === 'featured';
const quoteIsFallback = (response: LoadResponse) => {
  const quote = parsed(response);
  return quote.discountPercent === 0 || quote.freeShipping === false;
};

/**
 * The steady load of figures 3–7. The catalog load is the same on both sides; the fleet also gets
 * gateway and pricing traffic, since it rolls all three services.
 */
export function loadsFor(session: Session): RolloutLoad[] {
  const catalog: RolloutLoad = {
    name: session.variant === 'ours' ? 'catalog' : 'naive',
    baseUrl: session.catalogUrl,
    concurrency: 2,
    request: (_index, userKey) => ({ path: '/products?limit=2', headers: { ...PRO, 'X-User-Key': userKey } }),
    isFallback: productsAreFallback,
  };
  if (session.variant === 'naive') return [catalog];
  return [
    catalog,
    {
      name: 'gateway',
      baseUrl: session.fleet.url('gateway', ''),
      concurrency: 4,
      request: (index, userKey) =>
        index % 2 === 0
          ? { path: '/api/products?limit=2', headers: { ...PRO, 'X-User-Key': userKey } }
          : { method: 'POST', path: '/api/quotes', headers: { ...PRO, 'X-User-Key': userKey }, body: QUOTE },
      isFallback: (response) =>
        response.body.includes('"sort"') ? productsAreFallback(response) : quoteIsFallback(response),
    },
    {
      name: 'pricing',
      baseUrl: session.fleet.url('pricing', ''),
      concurrency: 2,
      request: (_index, userKey) => ({
        method: 'POST',
        path: '/quotes',
        headers: { ...PRO, 'X-User-Key': userKey },
        body: QUOTE,
      }),
      isFallback: quoteIsFallback,
    },
  ];
}
