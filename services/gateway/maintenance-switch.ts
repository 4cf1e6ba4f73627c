import { AppError } from '../../shared/errors';
import type { FlagReader } from '../../shared/flags';
import type { AppMiddleware } from '../../shared/http';

export const MAINTENANCE_RETRY_AFTER_S = 60;

/**
 * The `maintenance-mode` kill switch: when it is on for the caller, answer 503 at the edge and
 * never call upstream. Evaluated per request and per context, so it can be aimed at some users.
 */
export function maintenanceSwitch(flags: FlagReader): AppMiddleware {
  return async function maintenanceSwitch(ctx, next) {
    if (await flags.boolean('maintenance-mode', ctx.state.flagContext, false)) {
      throw new AppError(503, 'maintenance', 'The service is down for maintenance; try again later', {
        headers: { 'Retry-After': String(MAINTENANCE_RETRY_AFTER_S) },
      });
    }
    await next();
  };
}
