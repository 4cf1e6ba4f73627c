import Router from '@koa/router';

import type { FlagClientState } from '../flags';
import type { Lifecycle } from '../lifecycle';
import type { AppState } from './app-types';

export interface HealthDependencies {
  readonly lifecycle: Lifecycle;
  readonly flagState: () => FlagClientState;
}

/**
 * `GET /livez`: the process is up (no dependency checks, so PM2 or an orchestrator never restarts
 * an instance for LaunchDarkly's sake). `GET /readyz`: 200 with the flag client's state while
 * serving, 503 while starting or draining, so a load balancer stops sending traffic first.
 */
export function healthRoutes({ lifecycle, flagState }: HealthDependencies): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/livez', function livez(ctx) {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', function readyz(ctx) {
    const phase = lifecycle.phase();
    ctx.status = phase === 'serving' ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: phase, flags: flagState() };
  });
  return router;
}
