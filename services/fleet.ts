// The fleet: every service PM2 runs, in one list. ecosystem.config.js, the rollout, `npm run status`,
// the container health check and the Dockerfile read it; `npm run new-service` adds to it. Each
// service describes itself in its own folder (services/<name>/service.ts).
import type { AnyServiceManifest } from '../shared/fleet';
import { service as catalog } from './catalog/service';
import { service as gateway } from './gateway/service';
import { service as pricing } from './pricing/service';

export const fleet: readonly AnyServiceManifest[] = [gateway, catalog, pricing];
