import { PRODUCTS_FILE } from '../../domain/products';
import { defineService } from '../../shared/fleet';

/** catalog: products ordered by the `catalog-sort` flag. */
export const service = defineService({
  name: 'catalog',
  port: 3001,
  metricsPort: 9200,
  canary: { path: '/products?limit=1' },
  calls: [],
  startupFiles: { products: PRODUCTS_FILE },
});
