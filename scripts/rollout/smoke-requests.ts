import type { ServiceName } from '../../shared/config';
import type { RequestSpec } from './http-request';

/**
 * One real request per service that a canary must answer without a 5xx, beyond `/readyz`. The
 * gateway's goes through to the running catalog, as its traffic will.
 */
export const SMOKE_REQUESTS: Readonly<Record<ServiceName, RequestSpec>> = Object.freeze({
  gateway: { path: '/api/products?limit=1' },
  catalog: { path: '/products?limit=1' },
  pricing: { method: 'POST', path: '/quotes', body: { items: [{ sku: 'KB-001', quantity: 1 }] } },
});
