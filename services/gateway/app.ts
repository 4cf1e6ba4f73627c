import Router from '@koa/router';

import {
  USER_HEADERS,
  createServiceApp,
  evaluationContext,
  jsonBody,
  type AppContext,
  type AppState,
  type ServiceAppDependencies,
} from '../../shared/http';
import { maintenanceSwitch } from './maintenance-switch';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from './upstream-client';

export interface GatewayDependencies extends ServiceAppDependencies {
  readonly catalog: UpstreamClient;
  readonly pricing: UpstreamClient;
}

const FORWARDED_USER_HEADERS = Object.values(USER_HEADERS).map((header) => header.name);

/** The request id and the (already validated) user headers travel on to the upstream service. */
function forwardedHeaders(ctx: AppContext): Record<string, string> {
  const headers: Record<string, string> = { 'X-Request-Id': ctx.state.requestId, Accept: 'application/json' };
  for (const name of FORWARDED_USER_HEADERS) {
    const value = ctx.get(name);
    if (value !== '') headers[name] = value;
  }
  return headers;
}

/** Upstream client errors (404, 400…) pass through as they are; an upstream 5xx is the gateway's 502. */
function relay(ctx: AppContext, upstream: string, response: UpstreamResponse): void {
  if (response.status >= 500) {
    ctx.status = 502;
    ctx.body = {
      error: { code: 'upstream_error', message: `${upstream} failed with status ${response.status}` },
    };
    return;
  }
  ctx.status = response.status;
  if (response.contentType) ctx.type = response.contentType;
  ctx.body = response.body;
}

/** gateway: the public edge in front of catalog and pricing, with the maintenance kill switch. */
export function createApp(dependencies: GatewayDependencies) {
  const { catalog, pricing, flags } = dependencies;
  const router = new Router<AppState>({ prefix: '/api' });
  router.use(evaluationContext(), maintenanceSwitch(flags));

  async function call(
    ctx: AppContext,
    upstream: 'catalog' | 'pricing',
    request: Omit<UpstreamRequest, 'headers'>,
  ) {
    const client = upstream === 'catalog' ? catalog : pricing;
    const headers = {
      ...forwardedHeaders(ctx),
      ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    };
    relay(ctx, upstream, await client.send({ ...request, headers }));
  }

  router.get('/products', async function listProducts(ctx) {
    await call(ctx, 'catalog', { method: 'GET', path: `/products${ctx.search}`, retrySafe: true });
  });

  router.get('/products/:sku', async function getProduct(ctx) {
    await call(ctx, 'catalog', {
      method: 'GET',
      path: `/products/${encodeURIComponent(ctx.params.sku)}`,
      retrySafe: true,
    });
  });

  router.post('/quotes', jsonBody({ limit: '32kb' }), async function createQuote(ctx) {
    // A quote is computed, never stored: sending it twice has no effect, so it may be retried.
    await call(ctx, 'pricing', {
      method: 'POST',
      path: '/quotes',
      // The bytes the client sent, already checked to be JSON within the size limit. Pricing
      // validates the content; serialising the parsed body again could only lose or fail.
      body: ctx.request.rawBody ?? '',
      retrySafe: true,
    });
  });

  return createServiceApp(dependencies, router);
}
