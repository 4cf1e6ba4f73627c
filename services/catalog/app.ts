import Router from '@koa/router';

import { AppError } from '../../shared/errors';
import {
  createServiceApp,
  evaluationContext,
  type AppState,
  type ServiceAppDependencies,
} from '../../shared/http';
import { createWarnOnce } from '../../shared/logging';
import type { ProductCatalog } from '../../domain/products';
import { DEFAULT_SORT_ORDER, isSortOrder, orderProducts } from './product-order';

export interface CatalogDependencies extends ServiceAppDependencies {
  readonly catalog: ProductCatalog;
}

const MAX_LIMIT = 100;

function parseLimit(raw: unknown): number {
  if (raw === undefined) return MAX_LIMIT;
  if (typeof raw === 'string' && /^\d{1,3}$/.test(raw)) {
    const limit = Number(raw);
    if (limit >= 1 && limit <= MAX_LIMIT) return limit;
  }
  throw new AppError(400, 'invalid_query', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
}

/** catalog: products ordered by the `catalog-sort` flag, and single products by sku. */
export function createApp(dependencies: CatalogDependencies) {
  const { catalog, flags, logger } = dependencies;
  const warnOnce = createWarnOnce(logger);
  const router = new Router<AppState>();
  router.use(evaluationContext());

  router.get('/products', async function listProducts(ctx) {
    const limit = parseLimit(ctx.query.limit);
    const flagValue = await flags.string('catalog-sort', ctx.state.flagContext, DEFAULT_SORT_ORDER);
    let sort = DEFAULT_SORT_ORDER;
    if (isSortOrder(flagValue)) {
      sort = flagValue;
    } else {
      warnOnce(flagValue, 'catalog-sort has an unknown value; using the default order', {
        value: flagValue,
        sort,
      });
    }
    ctx.body = { items: orderProducts(catalog.products, sort, limit), sort };
  });

  router.get('/products/:sku', function getProduct(ctx) {
    const product = catalog.bySku(ctx.params.sku);
    if (!product) throw new AppError(404, 'not_found', `No product with sku ${ctx.params.sku.slice(0, 64)}`);
    ctx.body = product;
  });

  return createServiceApp(dependencies, router);
}
