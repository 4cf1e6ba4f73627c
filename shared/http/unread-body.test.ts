import Koa from 'koa';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { gzipSync } from 'node:zlib';

import type { AppState } from './app-types';
import { errorHandler } from './error-handler';
import { jsonBody } from './json-body';
import { discardUnreadBody, type UnreadBodyLimits } from './unread-body';
import { requestListener } from './request-listener';
import { connect, postHead, written } from '../../test/support/raw-http-client';
import { waitFor } from '../../test/support/wait-for';

/**
 * A JSON route with a 1 kb limit (bigger bodies are refused on their Content-Length, unread), and
 * `/echo`, which answers with the request body as it comes.
 */
async function startServer(limits?: UnreadBodyLimits): Promise<{ port: number; close: () => Promise<void> }> {
  const app = new Koa<AppState>();
  app.use(errorHandler());
  app.use(discardUnreadBody(limits));
  app.use(async (ctx, next) => {
    if (ctx.path === '/echo') ctx.body = ctx.req;
    else await next();
  });
  app.use(jsonBody({ limit: '1kb' }));
  app.use((ctx) => {
    ctx.body = { ok: true };
  });
  const server = http.createServer(requestListener(app));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('discardUnreadBody', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('a body refused on its Content-Length (413) is read to its end before the answer goes, so a client sending Connection: close gets the 413, not a reset', async () => {
    server = await startServer();
    const body = JSON.stringify({ padding: 'x'.repeat(256 * 1024) });
    const client = await connect(server.port);
    await written(client.socket, postHead(body.length) + body.slice(0, 1_000));
    // Without the rest of the body, no answer: it would go out (and the connection close) under
    // the client's feet.
    await pause(300);
    expect(client.received()).toBe('');

    await written(client.socket, body.slice(1_000));
    client.socket.end();
    const { error } = await client.closed;
    expect(error).toBeUndefined();
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(client.received()).toContain('"code":"payload_too_large"');
  });

  it('a client that stops sending part-way still gets its answer once the wait runs out', async () => {
    server = await startServer({ maxBytes: 8 * 1024 * 1024, maxMs: 200 });
    const client = await connect(server.port);
    await written(client.socket, postHead(10 * 1024 * 1024) + '{"padding":"');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('a client that keeps sending past the byte bound gets its answer without the rest being read', async () => {
    server = await startServer({ maxBytes: 64 * 1024, maxMs: 15_000 });
    const client = await connect(server.port);
    await written(client.socket, postHead(10 * 1024 * 1024) + '{"padding":"' + 'x'.repeat(256 * 1024));
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('a gzip body refused part-way (the parser gave up inside its decompressor) is read to its end too, not left stuck until the time bound', async () => {
    server = await startServer({ maxBytes: 8 * 1024 * 1024, maxMs: 15_000 });
    // Random bytes do not compress: about 400 kb on the wire, far past the limit once inflated.
    const body = gzipSync(JSON.stringify({ padding: randomBytes(300 * 1024).toString('base64') }));
    const client = await connect(server.port);
    await written(client.socket, postHead(body.length, '/quotes', { 'Content-Encoding': 'gzip' }));
    await written(client.socket, body);
    expect(await client.closed).toEqual({ error: undefined });
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('an answer streamed from the request body goes as the body comes, not after it', async () => {
    server = await startServer({ maxBytes: 8 * 1024 * 1024, maxMs: 15_000 });
    const client = await connect(server.port);
    await written(client.socket, postHead(2_000, '/echo') + 'a'.repeat(1_000));
    await waitFor('the first half echoed', () => client.received().includes('a'.repeat(1_000)));
    await written(client.socket, 'b'.repeat(1_000));
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received()).toContain('b'.repeat(1_000));
  }, 20_000);

  it('a body that was read is answered as usual', async () => {
    server = await startServer();
    const client = await connect(server.port);
    const body = '{"items":[]}';
    await written(client.socket, postHead(body.length) + body);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(client.received()).toContain('{"ok":true}');
  });
});
