import Router from '@koa/router';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';

import { connect, postHead, written } from '../../test/support/raw-http-client';
import { createTestDependencies, type TestServiceDependencies } from '../../test/support/test-dependencies';
import { AppError } from '../errors';
import type { AppState } from './app-types';
import { createServiceApp } from './create-service-app';
import { requestListener } from './request-listener';

type LogLine = Record<string, unknown>;

let deps: TestServiceDependencies;

beforeEach(async () => {
  deps = await createTestDependencies('shared');
});

afterEach(() => deps.close());

/** A tiny service whose routes fail in the ways a real handler can. */
function client() {
  const router = new Router<AppState>();
  router.get('/ok', (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/boom', () => {
    throw new Error('connection string postgres://admin:hunter2@db');
  });
  router.get('/boom-later', async () => {
    await Promise.resolve();
    throw new TypeError("Cannot read properties of undefined (reading 'price')");
  });
  router.get('/throws-a-string', () => {
    throw 'not an Error at all';
  });
  router.get('/app-error', () => {
    throw new AppError(409, 'conflict', 'Already done', { headers: { 'X-Hint': 'retry-later' } });
  });
  router.get('/koa-throw', (ctx) => ctx.throw(400, 'Bad thing in the query'));
  router.get('/koa-throw-500', (ctx) => ctx.throw(500, 'internal detail'));
  return request(createServiceApp(deps, router).callback());
}

const linesFor = (requestId: string): Promise<LogLine[]> => deps.log.linesFor(requestId);

describe('createServiceApp', () => {
  it.each(['/boom', '/boom-later', '/throws-a-string', '/koa-throw-500'])(
    'an unexpected failure in %s is a 500 internal that tells the client nothing more',
    async (path) => {
      const response = await client().get(path);

      expect(response.status).toBe(500);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
      expect(response.text).not.toMatch(/hunter2|price|not an Error|internal detail|stack|\bat .+:\d+:\d+/);
    },
  );

  it('an unexpected failure is logged once, at error level, with its stack and the request it broke', async () => {
    const response = await client().get('/boom').set('X-Request-Id', 'boom-1');

    expect(response.status).toBe(500);
    const lines = await linesFor('boom-1');
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      msg: 'Request failed',
      method: 'GET',
      path: '/boom',
      requestId: 'boom-1',
      error: {
        name: 'Error',
        message: 'connection string postgres://admin:hunter2@db',
        stack: expect.stringContaining('create-service-app.test.ts'),
      },
    });
    expect(lines.filter((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ msg: 'GET /boom 500', status: 500 }),
    ]);
  });

  it('an AppError is answered with its status, code, message and headers, and not logged as an error', async () => {
    const response = await client().get('/app-error').set('X-Request-Id', 'conflict-1');

    expect(response.status).toBe(409);
    expect(response.headers['x-hint']).toBe('retry-later');
    expect(response.body).toEqual({ error: { code: 'conflict', message: 'Already done' } });
    expect((await linesFor('conflict-1')).filter((line) => line.level === 'error')).toEqual([]);
  });

  it('a client error from ctx.throw keeps its message and gets a code for its status', async () => {
    const response = await client().get('/koa-throw');

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { code: 'bad_request', message: 'Bad thing in the query' } });
  });

  it('a successful request is logged at http level with its status and duration', async () => {
    await client().get('/ok').set('X-Request-Id', 'ok-1').expect(200);

    expect(await linesFor('ok-1')).toEqual([
      expect.objectContaining({
        level: 'http',
        msg: 'GET /ok 200',
        method: 'GET',
        path: '/ok',
        status: 200,
        ms: expect.any(Number),
      }),
    ]);
  });

  it('at info level the access line of a success is never built (winston would format it, then drop it), while a 500 is still logged', async () => {
    deps.logger.level = 'info';
    const log = jest.spyOn(deps.logger, 'log');
    const api = client();

    await api.get('/ok').set('X-Request-Id', 'quiet-1').expect(200);
    await api.get('/boom').set('X-Request-Id', 'loud-1').expect(500);
    await linesFor('loud-1');

    expect(log.mock.calls.map(([level]) => level)).toEqual(['error', 'warn']); // the error itself, its access line
  });

  it('serves /livez and /readyz next to the service routes', async () => {
    const api = client();

    await api.get('/livez').expect(200, { status: 'ok' });
    await api.get('/readyz').expect(200);
    await api.get('/ok').expect(200, { ok: true });
  });
});

describe('createServiceApp and an unread request body', () => {
  it('a POST the app refuses without reading its body (no such route) is answered only once the body is in, so a Connection: close client reads the answer', async () => {
    const server = http.createServer(requestListener(createServiceApp(deps, new Router<AppState>())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = await connect((server.address() as AddressInfo).port);
      const body = JSON.stringify({ padding: 'x'.repeat(256 * 1024) });
      await written(client.socket, postHead(body.length, '/nowhere') + body.slice(0, 1_000));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(client.received()).toBe('');

      await written(client.socket, body.slice(1_000));
      expect(await client.closed).toEqual({ error: undefined });
      expect(client.received()).toMatch(/^HTTP\/1\.1 404 /);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
