import { runService } from '../../shared/runtime';
import { fleet } from '../fleet';
import { createApp } from './app';
import { service } from './service';
import { createUpstreamClient } from './upstream-client';

runService({
  manifest: service,
  fleet,
  createApp(dependencies) {
    const { config, logger, onShutdown } = dependencies;
    const upstream = (name: 'catalog' | 'pricing') => {
      const client = createUpstreamClient({
        name,
        baseUrl: config.upstreams[name],
        timeoutMs: config.env.UPSTREAM_TIMEOUT_MS,
        logger,
      });
      // After the drain no request needs its pooled sockets any more.
      onShutdown(`close the ${name} connection pool`, () => client.close());
      return client;
    };
    return createApp({ ...dependencies, catalog: upstream('catalog'), pricing: upstream('pricing') });
  },
});
