import type { Logger } from '../logging';
import type { AppMiddleware } from './app-types';

/**
 * One line per request once its response has gone (so it has the final status, whatever the error
 * handler made of a failure), at `http` level, so `LOG_LEVEL=http` turns access logs on; `warn` for
 * server errors and for requests the client abandoned.
 */
export function requestLogger(logger: Logger): AppMiddleware {
  return async function requestLogger(ctx, next) {
    const startedAt = performance.now();
    const { method, path } = ctx;
    const requestId = ctx.state.requestId;
    ctx.res.once('close', () => {
      const completed = ctx.res.writableFinished;
      const status = ctx.status;
      const level = !completed || status >= 500 ? 'warn' : 'http';
      // winston formats a line before its transport drops it for its level; at the default `info`
      // that would be a whole JSON line built and thrown away on every request (`npm run bench`).
      if (!logger.isLevelEnabled(level)) return;
      logger.log(level, `${method} ${path} ${completed ? status : 'aborted'}`, {
        method,
        path,
        status,
        ms: Math.round((performance.now() - startedAt) * 10) / 10,
        requestId,
      });
    });
    await next();
  };
}
