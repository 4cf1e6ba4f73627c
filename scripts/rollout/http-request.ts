import http from 'node:http';

import type { HttpReply } from './readiness';

export interface RequestSpec {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/** Where the rollout reaches an instance: its port on the host's own address (BIND_ADDRESS). */
export interface InstanceAddress {
  readonly address: string;
  readonly port: number;
}

/**
 * One request on a fresh connection (no keep-alive: PM2's cluster master hands each new connection
 * to the next worker, and a canary is never kept busy by the rollout). Rejects on a socket error or
 * when no complete reply arrives within `timeoutMs`.
 */
export function requestOnce(
  { address, port }: InstanceAddress,
  spec: RequestSpec,
  timeoutMs = 3_000,
): Promise<HttpReply> {
  const payload = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: address,
        port,
        path: spec.path,
        method: spec.method ?? 'GET',
        agent: false,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': payload.length }
          : undefined,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const servedBy = response.headers['x-served-by'];
          resolve({
            status: response.statusCode ?? 0,
            servedBy: Array.isArray(servedBy) ? servedBy[0] : servedBy,
            text,
          });
        });
        response.on('error', reject);
      },
    );
    request.setTimeout(timeoutMs, () =>
      request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    request.on('error', reject);
    request.end(payload);
  });
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
