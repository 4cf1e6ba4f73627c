import { bodyParser } from '@koa/bodyparser';

import { AppError } from '../errors';
import type { AppMiddleware } from './app-types';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/;

export interface JsonBodyOptions {
  /** Largest accepted body, e.g. `'32kb'`; larger ones get 413. */
  readonly limit: string;
}

/**
 * Parses a JSON body for POST, PUT and PATCH. Any other content type is a 415 (rather than an
 * empty body that fails later for a less obvious reason), and malformed JSON is a 400.
 */
export function jsonBody(options: JsonBodyOptions): AppMiddleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    // Parse every type the 415 check lets through, structured-suffix types such as +json included.
    // (The parser merges this list into its defaults by index, so application/json must lead it.)
    extendTypes: { json: ['application/json', 'application/*+json'] },
    jsonLimit: options.limit,
    onError: (error) => {
      const status = (error as { status?: number }).status;
      if (status === 413)
        throw new AppError(413, 'payload_too_large', `Request body exceeds ${options.limit}`);
      throw new AppError(400, 'malformed_json', 'Request body is not valid JSON', { cause: error });
    },
  });
  return async function jsonBody(ctx, next) {
    if (BODY_METHODS.has(ctx.method)) {
      const type = ctx.request.type;
      const hasBody = (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';
      // No body at all is left to the route's validation, which says what is missing.
      if (type === '' ? hasBody : !JSON_TYPE.test(type)) {
        throw new AppError(415, 'unsupported_media_type', 'Content-Type must be application/json');
      }
    }
    await parse(ctx, next);
  };
}
