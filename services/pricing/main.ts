import { loadProductCatalog } from '../../domain/products';
import { runService } from '../../shared/runtime';
import { fleet } from '../fleet';
import { createApp } from './app';
import { service } from './service';

runService({
  manifest: service,
  fleet,
  async createApp(dependencies) {
    const catalog = await loadProductCatalog(dependencies.config.files.products);
    return createApp({ ...dependencies, catalog });
  },
});
