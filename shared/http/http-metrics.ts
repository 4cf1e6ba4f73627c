import type { RequestObserver } from '../metrics';
import type { AppContext, AppMiddleware } from './app-types';

/** What requests that matched no route are labelled: their paths are unbounded (scanners, typos). */
export const UNMATCHED_ROUTE = 'unmatched';

function routeOf(ctx: AppContext): string {
  // @koa/router records the matched layer's path here; it is not part of Koa's typed context.
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === 'string' ? matched : UNMATCHED_ROUTE;
}

/**
 * Times every request and reports it once its response has gone, as the access log does, so the
 * status is the final one whatever the error handler made of a failure.
 */
export function httpMetrics(observe: RequestObserver): AppMiddleware {
  return async function httpMetrics(ctx, next) {
    const startedAt = performance.now();
    ctx.res.once('close', () => {
      observe({
        method: ctx.method,
        route: routeOf(ctx),
        status: ctx.res.writableFinished ? String(ctx.status) : 'aborted',
        durationMs: performance.now() - startedAt,
      });
    });
    await next();
  };
}
