/* eslint-disable no-console -- the baseline is the tutorial integration, console logging included */
/**
 * The baseline the benchmark compares the fleet with: LaunchDarkly in Koa the way most tutorials
 * show it, kept small and honest. It serves the catalog's `GET /products` with the catalog's own
 * ordering code, so the only difference from `services/catalog` is how LaunchDarkly is wired in:
 *
 * - the client is created when the module is imported, and nothing waits for its flags;
 * - `listen` counts as ready (PM2's `ready` goes out from the listen callback);
 * - on SIGINT it only calls `server.close()`, then `client.close()` without `flush()`.
 *
 * Do not copy this: docs/performance.md shows what each of these costs, measured.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import Router from '@koa/router';
import * as ld from '@launchdarkly/node-server-sdk';
import Koa from 'koa';

import { DEFAULT_SORT_ORDER, isSortOrder, orderProducts } from '../../../services/catalog/product-order';
import type { Product } from '../../../domain/products';

const client = ld.init(process.env.LAUNCHDARKLY_SDK_KEY ?? '', {
  baseUri: process.env.LAUNCHDARKLY_BASE_URI,
  streamUri: process.env.LAUNCHDARKLY_STREAM_URI,
  eventsUri: process.env.LAUNCHDARKLY_EVENTS_URI,
});

const productsFile = path.join(__dirname, '..', '..', '..', '..', 'data', 'products.json');
const { products } = JSON.parse(readFileSync(productsFile, 'utf8')) as { products: Product[] };

const app = new Koa();
const router = new Router();

router.get('/products', async (ctx) => {
  const context = {
    kind: 'user',
    key: ctx.get('X-User-Key') || 'anonymous',
    plan: ctx.get('X-User-Plan') || undefined,
  };
  const value = await client.variation('catalog-sort', context, DEFAULT_SORT_ORDER);
  const sort = typeof value === 'string' && isSortOrder(value) ? value : DEFAULT_SORT_ORDER;
  const limit = Number(ctx.query.limit ?? 100);
  ctx.set('X-Served-By', `naive#${process.env.NODE_APP_INSTANCE ?? '0'}`); // the benchmark tells instances apart by it
  ctx.body = { items: orderProducts(products, sort, limit), sort };
});

app.use(router.routes());

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, () => {
  console.log(`naive catalog listening on ${port}`);
  process.send?.('ready');
});

process.on('SIGINT', () => {
  server.close(() => {
    client.close();
    process.exit(0);
  });
});
