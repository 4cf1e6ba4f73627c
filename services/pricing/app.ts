import Router from '@koa/router';

import {
  createServiceApp,
  evaluationContext,
  jsonBody,
  type AppState,
  type ServiceAppDependencies,
} from '../../shared/http';
import { createWarnOnce } from '../../shared/logging';
import type { ProductCatalog } from '../../domain/products';
import { priceQuote } from './quote';
import { parseQuoteRequest } from './quote-request';

export interface PricingDependencies extends ServiceAppDependencies {
  readonly catalog: ProductCatalog;
}

export const MAX_DISCOUNT_PERCENT = 50;

/** pricing: quotes whose discount and shipping come from flags targeted by the caller's plan. */
export function createApp(dependencies: PricingDependencies) {
  const { catalog, flags, logger } = dependencies;
  const warnOnce = createWarnOnce(logger);
  const router = new Router<AppState>();
  router.use(evaluationContext());

  async function discountPercentFor(ctx: { state: AppState }): Promise<number> {
    const value = await flags.number('pricing-discount-percent', ctx.state.flagContext, 0);
    if (Number.isInteger(value) && value >= 0 && value <= MAX_DISCOUNT_PERCENT) return value;
    warnOnce(String(value), 'pricing-discount-percent is outside 0-50 or not whole; applying no discount', {
      value,
    });
    return 0;
  }

  router.post('/quotes', jsonBody({ limit: '32kb' }), async function createQuote(ctx) {
    const items = parseQuoteRequest(ctx.request.body);
    const [discountPercent, freeShipping] = await Promise.all([
      discountPercentFor(ctx),
      flags.boolean('pricing-free-shipping', ctx.state.flagContext, false),
    ]);
    ctx.body = priceQuote(items, catalog, { discountPercent, freeShipping });
  });

  return createServiceApp(dependencies, router);
}
