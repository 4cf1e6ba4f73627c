import Router from '@koa/router';
import Koa from 'koa';

import type { FlagReader } from '../flags';
import type { Logger, RequestScope } from '../logging';
import type { RequestObserver } from '../metrics';
import { httpMetrics } from './http-metrics';
import type { Lifecycle } from '../lifecycle';
import type { AppState } from './app-types';
import { errorHandler } from './error-handler';
import { healthRoutes } from './health-routes';
import { requestId } from './request-id';
import { requestLogger } from './request-logger';
import { discardUnreadBody } from './unread-body';

export interface ServiceAppDependencies {
  readonly logger: Logger;
  readonly flags: FlagReader;
  readonly lifecycle: Lifecycle;
  readonly requestScope: RequestScope;
  /** Told about every request once its response has gone (the instance's metrics). */
  readonly observeRequest: RequestObserver;
  /**
   * `orders#1`: which instance answered, sent as `X-Served-By`. Round-robin hides it otherwise, and
   * operators (and the end-to-end tests) need to see that every instance serves the same flags.
   */
  readonly servedBy?: string;
}

/**
 * The Koa app every service starts from: errors as JSON first, then the rest of an unread body
 * read before any answer goes, the request id, the access log, request metrics, `/livez` and
 * `/readyz`, then the service's own routes. It owns no socket.
 */
export function createServiceApp(
  dependencies: ServiceAppDependencies,
  routes: Router<AppState>,
): Koa<AppState> {
  const { logger, flags, lifecycle, requestScope, observeRequest, servedBy } = dependencies;
  const app = new Koa<AppState>();
  app.on('error', (error: unknown, ctx?: Koa.ParameterizedContext<AppState>) => {
    logger.error('Request failed', {
      error,
      requestId: ctx?.state.requestId,
      method: ctx?.method,
      path: ctx?.path,
    });
  });

  const router = new Router<AppState>();
  router.use(healthRoutes({ lifecycle, flagState: () => flags.state() }).routes(), routes.routes());

  app.use(errorHandler());
  app.use(discardUnreadBody());
  if (servedBy !== undefined) {
    app.use(async function servedByHeader(ctx, next) {
      ctx.set('X-Served-By', servedBy);
      await next();
    });
  }
  app.use(requestId(requestScope));
  app.use(requestLogger(logger));
  app.use(httpMetrics(observeRequest));
  app.use(router.routes());
  // Not `throw: true`: the router then skips the Allow header. The error handler turns the bodiless
  // 405 (or 501, for a method the router does not know) into the JSON error.
  app.use(router.allowedMethods());
  return app;
}
