import request from 'supertest';

import { AppError } from '../../shared/errors';
import { createTestDependencies, type TestServiceDependencies } from '../../test/support/test-dependencies';
import { createApp } from './app';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from './upstream-client';

type LogLine = Record<string, unknown>;
type Reply = (request: UpstreamRequest) => UpstreamResponse | Promise<UpstreamResponse>;

/** An upstream that records what it was sent and answers with `reply`. */
interface FakeUpstream extends UpstreamClient {
  readonly requests: UpstreamRequest[];
  reply: Reply;
}

function fakeUpstream(name: string): FakeUpstream {
  const fake: FakeUpstream = {
    requests: [],
    reply: () => json(200, { from: name }),
    send(upstreamRequest) {
      fake.requests.push(upstreamRequest);
      return Promise.resolve().then(() => fake.reply(upstreamRequest));
    },
    close: () => undefined,
  };
  return fake;
}

function json(status: number, body: unknown): UpstreamResponse {
  return {
    status,
    contentType: 'application/json; charset=utf-8',
    body: Buffer.from(JSON.stringify(body)),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let deps: TestServiceDependencies;
let catalog: FakeUpstream;
let pricing: FakeUpstream;

beforeEach(async () => {
  deps = await createTestDependencies('gateway');
  catalog = fakeUpstream('catalog');
  pricing = fakeUpstream('pricing');
});

afterEach(() => deps.close());

function client() {
  return request(createApp({ ...deps, catalog, pricing }).callback());
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0]!;
}

const linesFor = (requestId: string): Promise<LogLine[]> => deps.log.linesFor(requestId);

function maintenanceFor(users: 'everyone' | string) {
  const flag = deps.testData.flag('maintenance-mode').booleanFlag();
  return deps.testData.update(
    users === 'everyone'
      ? flag.variationForAll(true)
      : flag.fallthroughVariation(false).variationForUser(users, true),
  );
}

describe('GET /api/products', () => {
  it('forwards to catalog /products with the query string, and relays status, type and body', async () => {
    catalog.reply = () => json(200, { items: [{ sku: 'KB-001' }], sort: 'price-asc' });

    const response = await client().get('/api/products?limit=5&sort=ignored').expect(200);

    expect(only(catalog.requests)).toEqual({
      method: 'GET',
      path: '/products?limit=5&sort=ignored',
      retrySafe: true,
      headers: { 'X-Request-Id': expect.stringMatching(UUID), Accept: 'application/json' },
    });
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual({ items: [{ sku: 'KB-001' }], sort: 'price-asc' });
    expect(pricing.requests).toEqual([]);
  });

  it('forwards /products alone when there is no query string', async () => {
    await client().get('/api/products').expect(200);

    expect(only(catalog.requests).path).toBe('/products');
  });

  it('forwards the same X-Request-Id it echoes, reusing a sane inbound one', async () => {
    const response = await client().get('/api/products').set('X-Request-Id', 'edge-7').expect(200);

    expect(response.headers['x-request-id']).toBe('edge-7');
    expect(only(catalog.requests).headers['X-Request-Id']).toBe('edge-7');
  });

  it('forwards a fresh id, never an unsafe inbound one', async () => {
    const response = await client().get('/api/products').set('X-Request-Id', 'evil id\t<x>').expect(200);

    const forwarded = only(catalog.requests).headers['X-Request-Id'];
    expect(forwarded).toMatch(UUID);
    expect(forwarded).toBe(response.headers['x-request-id']);
  });

  it('forwards the user headers that were sent, and only those', async () => {
    const api = client();
    await api
      .get('/api/products')
      .set('X-User-Key', 'alice')
      .set('X-User-Plan', 'pro')
      .set('X-User-Country', 'gb')
      .expect(200);
    await api.get('/api/products').set('X-User-Plan', 'free').expect(200);

    const [full, partial] = catalog.requests;
    expect(full?.headers).toEqual({
      'X-Request-Id': expect.any(String),
      Accept: 'application/json',
      'X-User-Key': 'alice',
      'X-User-Plan': 'pro',
      'X-User-Country': 'gb',
    });
    expect(partial?.headers).toEqual({
      'X-Request-Id': expect.any(String),
      Accept: 'application/json',
      'X-User-Plan': 'free',
    });
  });

  it('does not forward other inbound headers (cookies, authorization)', async () => {
    await client()
      .get('/api/products')
      .set('Cookie', 'session=secret')
      .set('Authorization', 'Bearer secret')
      .expect(200);

    expect(Object.keys(only(catalog.requests).headers).sort()).toEqual(['Accept', 'X-Request-Id']);
  });

  it('a bad user header is a 400 invalid_header at the edge, and catalog is never called', async () => {
    const response = await client().get('/api/products').set('X-User-Key', 'two words');

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { code: 'invalid_header', message: expect.stringMatching(/^X-User-Key /) },
    });
    expect(catalog.requests).toEqual([]);
  });
});

describe('GET /api/products/:sku', () => {
  it('forwards to catalog /products/:sku', async () => {
    catalog.reply = () => json(200, { sku: 'KB-001' });

    const response = await client().get('/api/products/KB-001').expect(200);

    expect(only(catalog.requests)).toMatchObject({
      method: 'GET',
      path: '/products/KB-001',
      retrySafe: true,
    });
    expect(response.body).toEqual({ sku: 'KB-001' });
  });

  it.each([
    ['a%2Fb', '/products/a%2Fb'],
    ['a%20b', '/products/a%20b'],
    ['%3Fx%3D1', '/products/%3Fx%3D1'],
    ['..%2F..%2Fadmin', '/products/..%2F..%2Fadmin'],
    ['%E2%9C%93', '/products/%E2%9C%93'],
  ])('keeps the sku url-encoded (%s), so it cannot change the upstream path', async (sku, path) => {
    await client().get(`/api/products/${sku}`).expect(200);

    expect(only(catalog.requests).path).toBe(path);
  });
});

describe('POST /api/quotes', () => {
  it("forwards the body byte for byte, so even JSON nested too deep to re-serialise is pricing's to judge, never a 500", async () => {
    pricing.reply = () => json(400, { error: { code: 'invalid_body', message: 'body: must be an object' } });
    const nested = `${'['.repeat(6000)}${']'.repeat(6000)}`;

    const response = await client().post('/api/quotes').set('Content-Type', 'application/json').send(nested);

    expect(response.status).toBe(400);
    expect(only(pricing.requests).body).toBe(nested);
  });

  it('forwards the JSON body to pricing /quotes as JSON, and relays the quote', async () => {
    pricing.reply = () => json(200, { totalCents: 1504 });
    const body = { items: [{ sku: 'PEN', quantity: 3 }] };

    const response = await client()
      .post('/api/quotes')
      .set('X-User-Plan', 'pro')
      .set('X-Request-Id', 'q-1')
      .send(body)
      .expect(200);

    const sent = only(pricing.requests);
    expect(sent).toEqual({
      method: 'POST',
      path: '/quotes',
      retrySafe: true,
      body: expect.any(String),
      headers: {
        'X-Request-Id': 'q-1',
        Accept: 'application/json',
        'X-User-Plan': 'pro',
        'Content-Type': 'application/json',
      },
    });
    expect(JSON.parse(sent.body ?? '')).toEqual(body);
    expect(response.body).toEqual({ totalCents: 1504 });
    expect(catalog.requests).toEqual([]);
  });

  it('malformed JSON is a 400 at the edge, and pricing is never called', async () => {
    const response = await client()
      .post('/api/quotes')
      .set('Content-Type', 'application/json')
      .send('{"items"');

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { code: 'malformed_json', message: expect.any(String) } });
    expect(pricing.requests).toEqual([]);
  });

  it('a non-JSON body is a 415 at the edge, and pricing is never called', async () => {
    const response = await client().post('/api/quotes').set('Content-Type', 'text/plain').send('hi');

    expect(response.status).toBe(415);
    expect(pricing.requests).toEqual([]);
  });

  it('a body over 32kb is a 413 at the edge, and pricing is never called', async () => {
    const response = await client()
      .post('/api/quotes')
      .send({ padding: 'x'.repeat(33 * 1024) });

    expect(response.status).toBe(413);
    expect(pricing.requests).toEqual([]);
  });
});

describe('upstream answers and failures', () => {
  it.each([400, 404, 409, 422])('an upstream %i passes through with its body', async (status) => {
    const upstreamError = { error: { code: 'from_upstream', message: 'as the upstream said it' } };
    catalog.reply = () => json(status, upstreamError);

    const response = await client().get('/api/products/NOPE');

    expect(response.status).toBe(status);
    expect(response.body).toEqual(upstreamError);
  });

  it('a pricing 400 reaches the caller as is, so validation messages are not lost', async () => {
    pricing.reply = () => json(400, { error: { code: 'unknown_sku', message: 'Unknown sku: NOPE' } });

    const response = await client()
      .post('/api/quotes')
      .send({ items: [{ sku: 'NOPE', quantity: 1 }] });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { code: 'unknown_sku', message: 'Unknown sku: NOPE' } });
  });

  it.each([500, 502, 503, 504])(
    'an upstream %i becomes a 502 upstream_error that hides the upstream body',
    async (status) => {
      catalog.reply = () => json(status, { error: { code: 'internal', message: 'db password is hunter2' } });

      const response = await client().get('/api/products');

      expect(response.status).toBe(502);
      expect(response.body).toEqual({
        error: { code: 'upstream_error', message: `catalog failed with status ${status}` },
      });
      expect(response.text).not.toContain('hunter2');
    },
  );

  it('a pricing 5xx names pricing', async () => {
    pricing.reply = () => json(500, {});

    const response = await client().post('/api/quotes').send({ items: [] });

    expect(response.body).toEqual({
      error: { code: 'upstream_error', message: 'pricing failed with status 500' },
    });
  });

  it.each([
    [502, 'upstream_unavailable', 'catalog is unavailable (ECONNREFUSED)'],
    [504, 'upstream_timeout', 'catalog did not answer within 100 ms'],
  ])(
    'an upstream client AppError %i becomes that JSON error, logged once as a warning, not as a crash',
    async (status, code, message) => {
      catalog.reply = () => {
        throw new AppError(status, code, message, { cause: new Error('socket detail') });
      };

      const response = await client().get('/api/products').set('X-Request-Id', 'up-fail');

      expect(response.status).toBe(status);
      expect(response.body).toEqual({ error: { code, message } });
      expect(response.text).not.toContain('socket detail');
      const lines = await linesFor('up-fail');
      expect(lines.filter((line) => line.level === 'error')).toEqual([]);
      expect(lines).toEqual([expect.objectContaining({ level: 'warn', status, path: '/api/products' })]);
    },
  );

  it('an unexpected upstream client failure is a 500 internal, without its message', async () => {
    catalog.reply = () => {
      throw new TypeError('cannot read x of undefined');
    };

    const response = await client().get('/api/products');

    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
  });
});

describe('maintenance-mode', () => {
  it.each([
    ['GET /api/products', (api: ReturnType<typeof client>) => api.get('/api/products')],
    ['GET /api/products/:sku', (api: ReturnType<typeof client>) => api.get('/api/products/KB-001')],
    [
      'POST /api/quotes',
      (api: ReturnType<typeof client>) =>
        api.post('/api/quotes').send({ items: [{ sku: 'PEN', quantity: 1 }] }),
    ],
  ])(
    'when on for everyone, %s is a 503 maintenance with Retry-After, and no upstream is called',
    async (_label, send) => {
      await maintenanceFor('everyone');

      const response = await send(client());

      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('60');
      expect(response.body).toEqual({
        error: { code: 'maintenance', message: 'The service is down for maintenance; try again later' },
      });
      expect(catalog.requests).toEqual([]);
      expect(pricing.requests).toEqual([]);
    },
  );

  it('when targeted at one user key, that user gets 503 and every other caller still passes', async () => {
    await maintenanceFor('ops-canary');
    const api = client();

    const canary = await api.get('/api/products').set('X-User-Key', 'ops-canary');
    const other = await api.get('/api/products').set('X-User-Key', 'alice');
    const anonymous = await api.get('/api/products');

    expect(canary.status).toBe(503);
    expect((canary.body as { error: { code: string } }).error.code).toBe('maintenance');
    expect(other.status).toBe(200);
    expect(anonymous.status).toBe(200);
    expect(catalog.requests).toHaveLength(2);
    expect(catalog.requests.map((sent) => sent.headers['X-User-Key'])).toEqual(['alice', undefined]);
  });

  it('when off, requests pass', async () => {
    await deps.testData.update(deps.testData.flag('maintenance-mode').booleanFlag().variationForAll(false));

    await client().get('/api/products').expect(200);

    expect(catalog.requests).toHaveLength(1);
  });

  it('switching it off lets the next request through without a restart', async () => {
    const api = client();
    await maintenanceFor('everyone');
    await api.get('/api/products').expect(503);

    await deps.testData.update(deps.testData.flag('maintenance-mode').booleanFlag().variationForAll(false));

    await api.get('/api/products').expect(200);
  });

  it('does not touch /livez and /readyz, so instances stay in rotation', async () => {
    await maintenanceFor('everyone');
    const api = client();

    await api.get('/livez').expect(200);
    await api.get('/readyz').expect(200);
  });

  it('a malformed user header is still a 400, not a 503', async () => {
    await maintenanceFor('everyone');

    const response = await client().get('/api/products').set('X-User-Country', 'GBR');

    expect(response.status).toBe(400);
  });
});

describe('shared routes on gateway', () => {
  it('/readyz is 503 while draining', async () => {
    const api = client();
    deps.lifecycle.enter('draining');

    const response = await api.get('/readyz').expect(503);

    expect(response.body).toMatchObject({ status: 'draining' });
  });

  it('an unknown route is a 404 JSON error, and no upstream is called', async () => {
    const response = await client().get('/api/nope');

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: 'not_found', message: 'No route for GET /api/nope' } });
    expect(catalog.requests).toEqual([]);
  });

  it('GET /api/quotes is a 405, and pricing is never called', async () => {
    const response = await client().get('/api/quotes');

    expect(response.status).toBe(405);
    expect(response.body).toEqual({ error: { code: 'method_not_allowed', message: expect.any(String) } });
    expect(pricing.requests).toEqual([]);
  });
});
