import { STATUS_CODES } from 'node:http';

import { AppError } from './app-error';

export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: { readonly code: string; readonly message: string } };
}

/** Codes for the client errors that Koa, the router and the body parser raise themselves. */
const CODES_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  501: 'not_implemented',
};

interface HttpErrorLike {
  status?: unknown;
  expose?: unknown;
  message?: unknown;
  headers?: unknown;
}

/**
 * Turns anything thrown into the one error shape clients see, `{ error: { code, message } }`.
 * Messages of unexpected errors are never sent: they may hold internals, and stacks never leave.
 */
export function toErrorResponse(thrown: unknown): ErrorResponse {
  if (thrown instanceof AppError) {
    return {
      status: thrown.status,
      headers: thrown.headers,
      body: { error: { code: thrown.code, message: thrown.message } },
    };
  }
  const httpError = (thrown ?? {}) as HttpErrorLike;
  const status = typeof httpError.status === 'number' ? httpError.status : 500;
  if (status >= 400 && status < 500 && httpError.expose === true) {
    const headers =
      httpError.headers !== null && typeof httpError.headers === 'object'
        ? (httpError.headers as Record<string, string>)
        : {};
    return {
      status,
      headers,
      body: {
        error: {
          code: CODES_BY_STATUS[status] ?? 'client_error',
          message:
            typeof httpError.message === 'string'
              ? httpError.message
              : (STATUS_CODES[status] ?? 'Client error'),
        },
      },
    };
  }
  const serverStatus = status >= 500 && status < 600 ? status : 500;
  return {
    status: serverStatus,
    headers: {},
    body: { error: { code: CODES_BY_STATUS[serverStatus] ?? 'internal', message: 'Internal server error' } },
  };
}
