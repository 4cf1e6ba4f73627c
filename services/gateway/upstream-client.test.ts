import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';

import { AppError } from '../../shared/errors';
import { freePort } from '../../test/support/free-port';
import { captureLogs, type CapturedLog } from '../../test/support/test-dependencies';
import {
  createUpstreamClient,
  type UpstreamClient,
  type UpstreamClientOptions,
  type UpstreamRequest,
} from './upstream-client';

type LogLine = Record<string, unknown>;

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Which connection (1, 2, …) it came on, and whether that connection had served a request before. */
  readonly connection: number;
  readonly reusedConnection: boolean;
}

/** What the test server does with a request, once its body is read. */
type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest) => void;

interface TestServer {
  readonly baseUrl: string;
  readonly requests: SeenRequest[];
  connections(): number;
  /** Resolves when every connection the server has accepted is closed. */
  allConnectionsClosed(): Promise<void>;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const clients: UpstreamClient[] = [];

afterEach(async () => {
  clients.splice(0).forEach((client) => client.close());
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(behaviour: Behaviour): Promise<TestServer> {
  const sockets: net.Socket[] = [];
  const served = new WeakSet<net.Socket>();
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        connection: sockets.indexOf(req.socket) + 1,
        reusedConnection: served.has(req.socket),
      };
      served.add(req.socket);
      requests.push(seen);
      behaviour(req, res, seen);
    });
  });
  server.on('connection', (socket: net.Socket) => sockets.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const testServer: TestServer = {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    connections: () => sockets.length,
    allConnectionsClosed: () =>
      Promise.all(sockets.filter((socket) => !socket.closed).map((socket) => once(socket, 'close'))).then(
        () => undefined,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(testServer);
  return testServer;
}

function reply(res: http.ServerResponse, status = 200, body: unknown = { ok: true }): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function upstream(baseUrl: string, options: Partial<UpstreamClientOptions> = {}) {
  const log = captureLogs('gateway');
  const client = createUpstreamClient({
    name: 'catalog',
    baseUrl,
    timeoutMs: 2000,
    logger: log.logger,
    ...options,
  });
  clients.push(client);
  return { client, log };
}

const GET: UpstreamRequest = {
  method: 'GET',
  path: '/products',
  headers: { 'X-Request-Id': 'r-1' },
  retrySafe: true,
};
const POST_ONCE: UpstreamRequest = {
  method: 'POST',
  path: '/quotes',
  headers: { 'Content-Type': 'application/json' },
  body: '{"items":[]}',
  retrySafe: false,
};

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Every line logged so far: a marker line is written and awaited, and lines arrive in order. */
async function settledLines(log: CapturedLog): Promise<LogLine[]> {
  const marker = `settled-${Math.random()}`;
  log.logger.debug(marker);
  const deadline = Date.now() + 2000;
  while (!log.lines().some((line) => line.msg === marker)) {
    if (Date.now() > deadline) throw new Error('the log never settled');
    await new Promise((resolve) => setImmediate(resolve));
  }
  return log.lines().filter((line) => line.msg !== marker);
}

const retryLines = async (log: CapturedLog) =>
  (await settledLines(log)).filter((line) => String(line.msg).startsWith('Retrying'));

describe('createUpstreamClient', () => {
  it('sends the method, path with query, headers and body, and returns status, type and body', async () => {
    const server = await startServer((_req, res, seen) => reply(res, 201, { echoed: seen.body }));
    const { client } = upstream(server.baseUrl);

    const response = await client.send({
      method: 'POST',
      path: '/quotes?dryRun=1',
      headers: { 'X-Request-Id': 'req-9', 'Content-Type': 'application/json', 'X-User-Plan': 'pro' },
      body: '{"items":[1]}',
      retrySafe: true,
    });

    expect(response.status).toBe(201);
    expect(response.contentType).toBe('application/json');
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({ echoed: '{"items":[1]}' });
    expect(server.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/quotes?dryRun=1',
        headers: expect.objectContaining({
          'x-request-id': 'req-9',
          'content-type': 'application/json',
          'x-user-plan': 'pro',
        }),
      }),
    ]);
  });

  it('joins the path to the base url', async () => {
    const server = await startServer((_req, res) => reply(res));
    const { client } = upstream(`${server.baseUrl}/`);

    await client.send({ ...GET, path: '/products/KB-001?x=1' });

    expect(server.requests[0]?.url).toBe('/products/KB-001?x=1');
  });

  it('returns an upstream 4xx or 5xx answer as a response, not an error', async () => {
    const server = await startServer((_req, res) => reply(res, 503, { error: 'busy' }));
    const { client } = upstream(server.baseUrl);

    const response = await client.send(GET);

    expect(response.status).toBe(503);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps connections alive: sequential requests share one socket', async () => {
    const server = await startServer((_req, res) => reply(res));
    const { client } = upstream(server.baseUrl);

    for (let i = 0; i < 3; i += 1) expect((await client.send(GET)).status).toBe(200);

    expect(server.requests).toHaveLength(3);
    expect(server.connections()).toBe(1);
    expect(server.requests[0]?.headers.connection).toBe('keep-alive');
  });

  it('a GET whose reused socket is reset before any response is retried once, and succeeds', async () => {
    // The second request arrives on the pooled socket, as if the old worker closed it just then.
    const server = await startServer((req, res, seen) => {
      if (seen.reusedConnection) req.socket.destroy();
      else reply(res, 200, { connection: seen.connection });
    });
    const { client, log } = upstream(server.baseUrl);
    await client.send(GET);

    const response = await client.send(GET);

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({ connection: 2 });
    expect(server.requests.map((seen) => seen.reusedConnection)).toEqual([false, true, false]);
    expect(await retryLines(log)).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'Retrying catalog request on a fresh connection',
        upstream: 'catalog',
        method: 'GET',
        path: '/products',
        code: 'ECONNRESET',
      }),
    ]);
  });

  it('the retry goes on a fresh connection even when other pooled sockets are stale too', async () => {
    // Every pooled socket to a worker that is going away is reset: the retry may use none of them.
    const server = await startServer((req, res, seen) => {
      if (seen.reusedConnection) req.socket.destroy();
      else reply(res);
    });
    const { client, log } = upstream(server.baseUrl);
    // Two requests at once leave two idle sockets in the pool.
    await Promise.all([client.send(GET), client.send(GET)]);
    expect(server.connections()).toBe(2);

    const response = await client.send(GET);

    expect(response.status).toBe(200);
    expect(server.requests.map((seen) => seen.reusedConnection)).toEqual([false, false, true, false]);
    expect(await retryLines(log)).toHaveLength(1);
  });

  it('a request with retrySafe: false is not retried: 502 upstream_unavailable', async () => {
    const server = await startServer((req, res, seen) => {
      if (seen.reusedConnection) req.socket.destroy();
      else reply(res);
    });
    const { client, log } = upstream(server.baseUrl);
    await client.send(POST_ONCE);

    const error = await failureOf(client.send(POST_ONCE));

    expect(error.status).toBe(502);
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toBe('catalog is unavailable (ECONNRESET)');
    expect(server.requests).toHaveLength(2);
    expect(await retryLines(log)).toEqual([]);
    // The broken socket left the pool: the next call gets a new one.
    expect((await client.send(POST_ONCE)).status).toBe(200);
  });

  it('retries only once: a retry that is reset too gives 502', async () => {
    let served = 0;
    const server = await startServer((req, res) => {
      served += 1;
      if (served === 1) reply(res);
      else req.socket.destroy();
    });
    const { client, log } = upstream(server.baseUrl);
    await client.send(GET);

    const error = await failureOf(client.send(GET));

    expect(error).toMatchObject({ status: 502, code: 'upstream_unavailable' });
    expect(server.requests).toHaveLength(3);
    expect(await retryLines(log)).toHaveLength(1);
  });

  it('a response cut short on a reused socket is not retried, since the upstream already answered', async () => {
    const server = await startServer((req, res, seen) => {
      if (!seen.reusedConnection) return reply(res);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"partial":', () => req.socket.destroy());
    });
    const { client, log } = upstream(server.baseUrl);
    await client.send(GET);

    const error = await failureOf(client.send(GET));

    expect(error).toMatchObject({ status: 502, code: 'upstream_unavailable' });
    expect(server.requests).toHaveLength(2);
    expect(await retryLines(log)).toEqual([]);
  });

  it('connection refused is a 502 upstream_unavailable, at once and without a retry', async () => {
    const port = await freePort();
    // A timeout far beyond the test's own: answering before half of it proves it did not wait for it.
    const { client, log } = upstream(`http://127.0.0.1:${port}`, { timeoutMs: 60_000 });
    const startedAt = performance.now();

    const error = await failureOf(client.send(GET));

    expect(performance.now() - startedAt).toBeLessThan(30_000);
    expect(error).toMatchObject({
      status: 502,
      code: 'upstream_unavailable',
      message: 'catalog is unavailable (ECONNREFUSED)',
    });
    expect(await retryLines(log)).toEqual([]);
  });

  it('a server that never answers is a 504 upstream_timeout after about timeoutMs', async () => {
    const server = await startServer(() => undefined);
    const { client } = upstream(server.baseUrl, { timeoutMs: 150 });
    const startedAt = performance.now();

    const error = await failureOf(client.send(GET));

    const elapsed = performance.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    // Not a speed claim: one timeout, not a retry after it (a slow machine gets 20 timeouts' margin).
    expect(elapsed).toBeLessThan(150 * 20);
    expect(error).toMatchObject({
      status: 504,
      code: 'upstream_timeout',
      message: 'catalog did not answer within 150 ms',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('a server that sends headers and then stalls is a 504 too', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"slow":');
    });
    const { client } = upstream(server.baseUrl, { timeoutMs: 150 });

    const error = await failureOf(client.send(GET));

    expect(error).toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('the timeout bounds the whole call, retry included', async () => {
    const server = await startServer((req, res, seen) => {
      if (seen.reusedConnection) req.socket.destroy();
      else if (seen.connection === 1) reply(res);
      // The retry, on a fresh connection, never gets an answer.
    });
    const { client, log } = upstream(server.baseUrl, { timeoutMs: 200 });
    await client.send(GET);
    const startedAt = performance.now();

    const error = await failureOf(client.send(GET));

    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(error).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect(await retryLines(log)).toHaveLength(1);
  });

  it('a response larger than maxResponseBytes is a 502 upstream_error', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(Buffer.alloc(4096, 1));
    });
    const { client } = upstream(server.baseUrl, { maxResponseBytes: 1024 });

    const error = await failureOf(client.send(GET));

    expect(error).toMatchObject({
      status: 502,
      code: 'upstream_error',
      message: 'catalog sent an oversized response',
    });
  });

  it('a streamed response that grows past maxResponseBytes is cut off with a 502', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      // Chunked, no length: the client only finds out by counting. The stream never ends.
      res.write(Buffer.alloc(800, 1));
      res.write(Buffer.alloc(800, 1));
    });
    const { client } = upstream(server.baseUrl, { maxResponseBytes: 1024, timeoutMs: 2000 });
    const startedAt = performance.now();

    const error = await failureOf(client.send(GET));

    expect(error).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(performance.now() - startedAt).toBeLessThan(1000);
  });

  it('a response of exactly maxResponseBytes is accepted', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(Buffer.alloc(1024, 7));
    });
    const { client } = upstream(server.baseUrl, { maxResponseBytes: 1024 });

    const response = await client.send(GET);

    expect(response.body).toHaveLength(1024);
  });

  it('close() releases the pooled sockets', async () => {
    const server = await startServer((_req, res) => reply(res));
    const { client } = upstream(server.baseUrl);
    await client.send(GET);
    expect(server.connections()).toBe(1);

    client.close();

    await server.allConnectionsClosed();
  });
});
