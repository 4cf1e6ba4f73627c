import { z } from 'zod';

import { integer } from '../../shared/config';
import { defineService } from '../../shared/fleet';

/** gateway: the public edge in front of catalog and pricing. */
export const service = defineService({
  name: 'gateway',
  port: 3000,
  metricsPort: 9100,
  env: z.object({
    // Below the 8 s drain deadline, so a rollout never cuts a gateway call still waiting upstream.
    UPSTREAM_TIMEOUT_MS: integer(100, 5_000).default(3_000),
  }),
  // Goes through to the running catalog, as its traffic will.
  canary: { path: '/api/products?limit=1' },
  calls: ['catalog', 'pricing'],
});
