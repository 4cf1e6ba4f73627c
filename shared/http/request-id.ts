import { randomUUID } from 'node:crypto';

import type { RequestScope } from '../logging';
import type { AppMiddleware } from './app-types';

/** Inbound ids are untrusted: only short, plain tokens are reused, anything else is replaced. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Reuses a sane inbound `X-Request-Id` or makes one, echoes it, and runs the rest of the request
 * inside the request scope so every log line written on its behalf carries it.
 */
export function requestId(scope: RequestScope): AppMiddleware {
  return async function requestId(ctx, next) {
    const inbound = ctx.get('X-Request-Id');
    const id = SANE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    await scope.run(id, next);
  };
}
