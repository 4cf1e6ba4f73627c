import type { IncomingMessage } from 'node:http';
import { Stream } from 'node:stream';

import type { AppMiddleware } from './app-types';

export interface UnreadBodyLimits {
  /** Past this many more bytes, the answer goes anyway. */
  readonly maxBytes: number;
  /** Past this long a wait for the rest, the answer goes anyway. */
  readonly maxMs: number;
}

/** Far more than any body a service accepts, and a wait no client that is still sending notices. */
export const UNREAD_BODY_LIMITS: UnreadBodyLimits = { maxBytes: 8 * 1024 * 1024, maxMs: 2_000 };

/**
 * Reads and throws away what is left of a request body before the answer goes, within bounds.
 *
 * An answer decided before the body was read (a 413 on its Content-Length or part-way through a
 * compressed or chunked one, a 415, a 404) would otherwise leave while the client is still sending.
 * When the connection then closes, as Node closes it after the answer to a client that sent
 * `Connection: close`, the client's next write meets a reset, and most clients report the reset
 * instead of the answer they never read (RFC 9112 §9.6). nginx's lingering close does this job.
 * An answer streamed as it is made (possibly from the request itself) is left alone.
 */
export function discardUnreadBody(limits: UnreadBodyLimits = UNREAD_BODY_LIMITS): AppMiddleware {
  return async function discardUnreadBody(ctx, next) {
    try {
      await next();
    } finally {
      if (!(ctx.body instanceof Stream)) await discardRest(ctx.req, limits);
    }
  };
}

function discardRest(request: IncomingMessage, limits: UnreadBodyLimits): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let bytes = 0;
    const done = (): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', done);
      request.off('close', done);
      request.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) done();
    };
    const timer = setTimeout(done, limits.maxMs);
    request.on('data', onData);
    request.once('end', done);
    request.once('close', done);
    // An aborted upload ends the wait; the answer then has nobody to go to, which Node handles.
    request.once('error', done);
    // A body parser that gave up may have left the request piped into a decompressor that no longer
    // reads: its back-pressure would pause the request again after one chunk.
    request.unpipe();
    request.resume();
  });
}
