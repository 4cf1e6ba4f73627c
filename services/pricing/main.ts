import { loadProductCatalog } from '../../domain/products';
import { runService } from '../../shared/runtime';
import { createApp } from './app';

runService({
  name: 'pricing',
  async createApp(dependencies) {
    const catalog = await loadProductCatalog(dependencies.config.productsFile);
    return createApp({ ...dependencies, catalog });
  },
});
