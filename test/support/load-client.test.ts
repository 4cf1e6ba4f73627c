import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { freePort } from './free-port';
import { assertLoopbackUrl, runLoad, startLoad } from './load-client';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

interface TestServer {
  readonly url: string;
  /** Requests whose headers arrived, whatever happened to them next. */
  requests(): number;
  /** TCP connections accepted. */
  connections(): number;
  handle(handler: Handler): void;
  close(): Promise<void>;
}

const okJson: Handler = (request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ userKey: request.headers['x-user-key'] ?? null }));
};

async function startServer(): Promise<TestServer> {
  let handler: Handler = okJson;
  let requests = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((request, response) => {
    requests += 1;
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => handler(request, response, body));
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    connections: () => connections,
    handle: (next) => (handler = next),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The request index the load client sent, read back from the `x-index` header. */
function indexOf(request: IncomingMessage): number {
  return Number(request.headers['x-index']);
}

const indexed = (index: number) => ({ path: '/', headers: { 'x-index': String(index) } });

describe('load client', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('counts 2xx responses, extracts a value from each, and reuses keep-alive sockets', async () => {
    const summary = await runLoad({
      baseUrl: server.url,
      concurrency: 4,
      maxRequests: 200,
      request: (index) => ({ path: '/flag', headers: { 'X-User-Key': `user-${index}` } }),
      extract: (response) => (JSON.parse(response.body) as { userKey: string }).userKey,
    });

    expect(summary).toMatchObject({ total: 200, ok: 200, failed: 0, failures: {}, stoppedEarly: false });
    expect(new Set(summary.records.map((record) => record.value)).size).toBe(200);
    expect(summary.records.every((record) => record.value === `user-${record.index}`)).toBe(true);
    expect(summary.records.every((record) => record.status === 200 && record.latencyMs >= 0)).toBe(true);
    expect(server.requests()).toBe(200);
    expect(server.connections()).toBeLessThanOrEqual(4);
    expect(summary.records.filter((record) => record.reusedSocket).length).toBeGreaterThanOrEqual(196);
  });

  it('counts non-2xx statuses as failures grouped by status', async () => {
    server.handle((request, response) => {
      const index = indexOf(request);
      response.writeHead(index % 4 === 0 ? 503 : index % 4 === 1 ? 404 : 204).end();
    });

    const summary = await runLoad({ baseUrl: server.url, concurrency: 3, maxRequests: 40, request: indexed });

    expect(summary).toMatchObject({
      total: 40,
      ok: 20,
      failed: 20,
      failures: { 'status 503': 10, 'status 404': 10 },
    });
    expect(summary.records.find((record) => record.index === 4)).toMatchObject({
      outcome: 'status',
      kind: 'status 503',
      status: 503,
    });
  });

  it('counts ECONNRESET when the server destroys sockets, and never retries them', async () => {
    server.handle((request, response) => {
      if (indexOf(request) % 5 === 0) request.socket.destroy();
      else okJson(request, response, '');
    });

    const summary = await runLoad({ baseUrl: server.url, concurrency: 4, maxRequests: 50, request: indexed });

    expect(summary.failures).toEqual({ ECONNRESET: 10 });
    expect(summary.ok).toBe(40);
    expect(summary.records.filter((record) => record.errorCode === 'ECONNRESET')).toHaveLength(10);
    expect(server.requests()).toBe(summary.total);
  });

  it('counts a response cut off mid-body as ECONNRESET', async () => {
    server.handle((request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial');
      setImmediate(() => request.socket.destroy());
    });

    const summary = await runLoad({ baseUrl: server.url, concurrency: 2, maxRequests: 6 });

    expect(summary).toMatchObject({ total: 6, ok: 0, failures: { ECONNRESET: 6 } });
    expect(server.requests()).toBe(6);
  });

  it('counts ECONNREFUSED when nothing listens', async () => {
    const port = await freePort();

    const summary = await runLoad({ baseUrl: `http://127.0.0.1:${port}`, concurrency: 3, maxRequests: 9 });

    expect(summary).toMatchObject({ total: 9, ok: 0, failed: 9, failures: { ECONNREFUSED: 9 } });
  });

  it('counts a request with no complete response within requestTimeoutMs as a timeout', async () => {
    server.handle((request, response) => {
      if (indexOf(request) === 2) return; // never answered
      okJson(request, response, '');
    });

    const summary = await runLoad({
      baseUrl: server.url,
      concurrency: 2,
      maxRequests: 10,
      requestTimeoutMs: 100,
      request: indexed,
    });

    expect(summary).toMatchObject({ total: 10, ok: 9, failures: { timeout: 1 } });
    const timedOut = summary.records.find((record) => record.index === 2);
    expect(timedOut).toMatchObject({ outcome: 'timeout', kind: 'timeout' });
    expect(timedOut?.latencyMs).toBeGreaterThanOrEqual(95);
    expect(server.requests()).toBe(10);
  });

  it('sends POST requests with a JSON body and per-request headers', async () => {
    server.handle((request, response, body) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ method: request.method, type: request.headers['content-type'], body }));
    });

    const summary = await runLoad({
      baseUrl: server.url,
      concurrency: 2,
      maxRequests: 4,
      request: (index) => ({ method: 'POST', path: '/orders', body: { item: index } }),
      extract: (response) => JSON.parse(response.body) as { method: string; type: string; body: string },
    });

    expect(summary.ok).toBe(4);
    const values = summary.records.map((record) => record.value);
    expect(values).toContainEqual({ method: 'POST', type: 'application/json', body: '{"item":3}' });
    expect(summary.records.every((record) => record.method === 'POST' && record.path === '/orders')).toBe(
      true,
    );
  });

  it('records an extract error without counting the response as failed', async () => {
    const summary = await runLoad({
      baseUrl: server.url,
      concurrency: 1,
      maxRequests: 2,
      extract: (response): number => {
        throw new Error(`cannot read ${response.status}`);
      },
    });

    expect(summary.ok).toBe(2);
    expect(summary.records[0]).toMatchObject({ extractError: 'cannot read 200', value: undefined });
  });

  it('stops issuing at durationMs', async () => {
    const summary = await runLoad({ baseUrl: server.url, concurrency: 2, durationMs: 150 });

    expect(summary.total).toBeGreaterThan(0);
    expect(summary.stoppedEarly).toBe(false);
    expect(Math.max(...summary.records.map((record) => record.startedAtMs))).toBeLessThan(150);
    expect(summary.durationMs).toBeGreaterThanOrEqual(150);
    // Stopped at the bound, not at the 5 s request timeout of a request left hanging.
    expect(summary.durationMs).toBeLessThan(5000);
  });

  it('stops at whichever bound comes first', async () => {
    const summary = await runLoad({
      baseUrl: server.url,
      concurrency: 3,
      maxRequests: 7,
      durationMs: 60_000,
    });

    expect(summary.total).toBe(7);
    expect(summary.durationMs).toBeLessThan(30_000); // the count bound, well before the time bound
    expect(server.requests()).toBe(7);
  });

  it('runs while the test changes the server, and stop() ends it early with the summary', async () => {
    const seen = { ok: 0, unavailable: 0 };
    let notify = (): void => undefined;
    const reach = (condition: () => boolean): Promise<void> =>
      new Promise((resolve) => {
        notify = () => {
          if (condition()) resolve();
        };
        notify();
      });
    const run = startLoad({
      baseUrl: server.url,
      concurrency: 2,
      durationMs: 10_000,
      onRecord: (record) => {
        if (record.outcome === 'ok') seen.ok += 1;
        if (record.status === 503) seen.unavailable += 1;
        notify();
      },
    });

    await reach(() => seen.ok >= 10);
    server.handle((_request, response) => response.writeHead(503).end());
    await reach(() => seen.unavailable >= 10);
    const summary = await run.stop();

    expect(summary.stoppedEarly).toBe(true);
    expect(summary.ok).toBeGreaterThanOrEqual(10);
    expect(summary.failures['status 503']).toBeGreaterThanOrEqual(10);
    expect(summary.total).toBe(summary.ok + summary.failed);
    expect(summary.total).toBe(server.requests());
    expect(run.completed()).toBe(summary.total);
  });

  it('refuses non-loopback and non-http targets, and unbounded or malformed options', () => {
    expect(() => startLoad({ baseUrl: 'http://10.0.0.1:8080', concurrency: 1, maxRequests: 1 })).toThrow(
      /only targets http on loopback/,
    );
    expect(() => startLoad({ baseUrl: 'https://127.0.0.1:8443', concurrency: 1, maxRequests: 1 })).toThrow(
      /loopback/,
    );
    expect(() => startLoad({ baseUrl: 'http://example.com', concurrency: 1, maxRequests: 1 })).toThrow(
      /loopback/,
    );
    expect(() => startLoad({ baseUrl: server.url, concurrency: 1 })).toThrow(/needs a bound/);
    expect(() => startLoad({ baseUrl: server.url, concurrency: 0, maxRequests: 1 })).toThrow(/concurrency/);
    expect(assertLoopbackUrl('http://localhost:1').hostname).toBe('localhost');
    expect(assertLoopbackUrl('http://[::1]:1').hostname).toBe('[::1]');
    expect(assertLoopbackUrl('http://127.0.0.2:1').hostname).toBe('127.0.0.2');
  });

  it('rejects, without sending, a request path that would leave the loopback origin', async () => {
    await expect(
      runLoad({
        baseUrl: server.url,
        concurrency: 2,
        maxRequests: 5,
        request: () => ({ path: '//example.com/x' }),
      }),
    ).rejects.toThrow(/leaves http:\/\/127\.0\.0\.1/);
    expect(server.requests()).toBe(0);
  });
});
