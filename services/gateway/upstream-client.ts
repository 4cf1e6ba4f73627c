import http from 'node:http';
import https from 'node:https';

import { AppError } from '../../shared/errors';
import type { Logger } from '../../shared/logging';

export interface UpstreamRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/products?limit=5`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * May this request be sent twice? True for GET, and for requests without side effects. Only such
   * requests are retried, and only when a reused keep-alive socket was reset before any response.
   */
  readonly retrySafe: boolean;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

export interface UpstreamClient {
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Closes pooled sockets (at shutdown). */
  close(): void;
}

export interface UpstreamClientOptions {
  /** `catalog`, `pricing`: names the upstream in errors and logs. */
  readonly name: string;
  readonly baseUrl: string;
  /** Bound on a whole call, retry included: past it the caller gets a 504. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly maxResponseBytes?: number;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

class ResponseTooLargeError extends Error {}

/**
 * A keep-alive HTTP client for one upstream service. When that service rolls (`pm2 reload`), an
 * idle pooled socket can be closed by the old worker at the moment a request is written to it.
 * Node reports that as ECONNRESET on a reused socket before any response. Usually the request never
 * reached the server, but a reset can also cut one it had received (a crash, a drain backstop), so
 * only requests that may safely run twice are retried: once, on a fresh connection. That makes a
 * rollout invisible to callers.
 */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const base = new URL(options.baseUrl);
  const transport = base.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 128 });
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;

  /** `fresh`: bypass the pool, so a retry cannot land on another stale pooled socket. */
  function attempt(request: UpstreamRequest, signal: AbortSignal, fresh = false) {
    return new Promise<
      { response: UpstreamResponse } | { error: NodeJS.ErrnoException; reusedSocket: boolean }
    >((resolve) => {
      const outgoing = transport.request(
        new URL(request.path, base),
        { method: request.method, headers: request.headers, agent: fresh ? false : agent, signal },
        (incoming) => {
          const chunks: Buffer[] = [];
          let size = 0;
          incoming.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxResponseBytes) {
              incoming.destroy(new ResponseTooLargeError(`response larger than ${maxResponseBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          incoming.once('error', (error) => resolve({ error, reusedSocket: false }));
          incoming.once('close', () => {
            if (!incoming.complete) {
              resolve({
                error: Object.assign(new Error('response cut short'), { code: 'ECONNRESET' }),
                reusedSocket: false,
              });
            }
          });
          incoming.once('end', () =>
            resolve({
              response: {
                status: incoming.statusCode ?? 502,
                contentType: incoming.headers['content-type'],
                body: Buffer.concat(chunks),
              },
            }),
          );
        },
      );
      outgoing.once('error', (error) => resolve({ error, reusedSocket: outgoing.reusedSocket }));
      outgoing.end(request.body);
    });
  }

  function failure(error: NodeJS.ErrnoException, signal: AbortSignal): AppError {
    if (signal.aborted) {
      return new AppError(
        504,
        'upstream_timeout',
        `${options.name} did not answer within ${options.timeoutMs} ms`,
        {
          cause: error,
        },
      );
    }
    if (error instanceof ResponseTooLargeError) {
      return new AppError(502, 'upstream_error', `${options.name} sent an oversized response`, {
        cause: error,
      });
    }
    return new AppError(
      502,
      'upstream_unavailable',
      `${options.name} is unavailable (${error.code ?? error.message})`,
      {
        cause: error,
      },
    );
  }

  return {
    async send(request) {
      const signal = AbortSignal.timeout(options.timeoutMs);
      const first = await attempt(request, signal);
      if ('response' in first) return first.response;
      const resetBeforeResponse = first.reusedSocket && RESET_CODES.has(first.error.code ?? '');
      if (!(request.retrySafe && resetBeforeResponse && !signal.aborted)) throw failure(first.error, signal);

      options.logger.info(`Retrying ${options.name} request on a fresh connection`, {
        upstream: options.name,
        method: request.method,
        path: request.path,
        code: first.error.code,
      });
      const second = await attempt(request, signal, true);
      if ('response' in second) return second.response;
      throw failure(second.error, signal);
    },
    close: () => agent.destroy(),
  };
}
