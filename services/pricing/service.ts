import { PRODUCTS_FILE } from '../../domain/products';
import { defineService } from '../../shared/fleet';

/** pricing: quotes whose discount and shipping come from flags. */
export const service = defineService({
  name: 'pricing',
  port: 3002,
  metricsPort: 9300,
  canary: { method: 'POST', path: '/quotes', body: { items: [{ sku: 'KB-001', quantity: 1 }] } },
  calls: [],
  startupFiles: { products: PRODUCTS_FILE },
});
