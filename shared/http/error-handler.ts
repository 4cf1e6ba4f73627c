import type { AppMiddleware } from './app-types';
import { AppError, toErrorResponse } from '../errors';

/**
 * The first middleware: every error below it, and every unmatched route, leaves as JSON
 * `{ error: { code, message } }` without a stack. Unexpected server errors are handed to
 * `app.on('error')`, which logs them once.
 */
export function errorHandler(): AppMiddleware {
  return async function errorHandler(ctx, next) {
    try {
      await next();
      if (ctx.body == null && ctx.status === 404) {
        throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`);
      }
      // The router answers a known route with the wrong method 405, and a method it does not know
      // at all 501; both are the client's mistake, so both are a 405 (with the router's Allow).
      if (ctx.body == null && (ctx.status === 405 || ctx.status === 501)) {
        throw new AppError(405, 'method_not_allowed', `Method not allowed: ${ctx.method} ${ctx.path}`);
      }
    } catch (thrown) {
      const response = toErrorResponse(thrown);
      ctx.status = response.status;
      ctx.set(response.headers);
      ctx.body = response.body;
      // Deliberate answers (a 503 kill switch, a 504 from a slow upstream) are in the access log;
      // only the unexpected ones are errors worth a stack in the logs.
      if (response.status >= 500 && !(thrown instanceof AppError)) ctx.app.emit('error', thrown, ctx);
    }
  };
}
