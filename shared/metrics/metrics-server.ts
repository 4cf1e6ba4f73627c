import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** On `host` (every interface when undefined). */
  listen(port: number, host?: string): Promise<void>;
  address(): AddressInfo | null;
  close(): Promise<void>;
}

/**
 * `GET /metrics` for one instance, on a port of its own: on the service's port, PM2's round-robin
 * would answer a scrape from any instance.
 */
export function createMetricsServer(registry: Registry): MetricsServer {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: scrape GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'Content-Type': registry.contentType }).end(body),
      (error: unknown) =>
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`Cannot collect metrics: ${error}\n`),
    );
  });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    address: () => server.address() as AddressInfo | null,
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // A scrape is short and idempotent: nothing to drain.
        server.closeAllConnections();
      }),
  };
}
