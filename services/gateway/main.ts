import { runService } from '../../shared/runtime';
import { createApp } from './app';
import { createUpstreamClient } from './upstream-client';

runService({
  name: 'gateway',
  createApp(dependencies) {
    const { upstreams } = dependencies.config;
    const upstream = (name: string, baseUrl: string) =>
      createUpstreamClient({ name, baseUrl, timeoutMs: upstreams.timeoutMs, logger: dependencies.logger });
    return createApp({
      ...dependencies,
      catalog: upstream('catalog', upstreams.catalogUrl),
      pricing: upstream('pricing', upstreams.pricingUrl),
    });
  },
});
