import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';

import { DEFAULT_PRODUCTS_FILE } from '../../test/support/test-products';
import { requestListener } from '../../shared/http';
import { createProductCatalog, loadProductCatalog, type Product } from '../../domain/products';
import { createLifecycle } from '../../shared/lifecycle';
import { createTestDependencies, type TestServiceDependencies } from '../../test/support/test-dependencies';
import { createApp } from './app';
import { sortableProduct as product } from '../../test/support/test-products';

type LogLine = Record<string, unknown>;

interface ProductList {
  readonly items: Product[];
  readonly sort: string;
}

// File order differs from every sort order, so a test cannot pass by leaving the catalog as it is.
const PRODUCTS: readonly Product[] = [
  product('LAMP', 3900, '2026-09-01', 3),
  product('DESK', 59900, '2025-06-01', 1),
  product('CABLE', 1500, '2026-01-15', 4),
  product('CHAIR', 45900, '2024-03-03', 2),
];
const FEATURED = ['DESK', 'CHAIR', 'LAMP', 'CABLE'];
const PRICE_ASC = ['CABLE', 'LAMP', 'CHAIR', 'DESK'];
const NEWEST = ['LAMP', 'CABLE', 'DESK', 'CHAIR'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let deps: TestServiceDependencies;

beforeEach(async () => {
  deps = await createTestDependencies('catalog');
});

afterEach(() => deps.close());

function client(overrides: Partial<TestServiceDependencies> = {}) {
  return request(createApp({ ...deps, ...overrides, catalog: createProductCatalog(PRODUCTS) }).callback());
}

function skusOf(response: request.Response): string[] {
  return (response.body as ProductList).items.map((item) => item.sku);
}

const linesFor = (requestId: string): Promise<LogLine[]> => deps.log.linesFor(requestId);

function expectJsonError(response: request.Response, status: number, code: string): string {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
  const { message } = (response.body as { error: { message: string } }).error;
  return message;
}

describe('GET /products', () => {
  it('answers { items, sort } with every product when no limit is given', async () => {
    const response = await client().get('/products').expect(200);

    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(response.body as object).sort()).toEqual(['items', 'sort']);
    expect((response.body as ProductList).items).toHaveLength(PRODUCTS.length);
    expect((response.body as ProductList).items).toContainEqual(PRODUCTS[0]);
  });

  it('when catalog-sort is featured, products come in merchandised order', async () => {
    await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll('featured'));

    const response = await client().get('/products').expect(200);

    expect(skusOf(response)).toEqual(FEATURED);
    expect((response.body as ProductList).sort).toBe('featured');
  });

  it('when catalog-sort is price-asc, products come cheapest first', async () => {
    await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll('price-asc'));

    const response = await client().get('/products').expect(200);

    expect(skusOf(response)).toEqual(PRICE_ASC);
    expect((response.body as ProductList).sort).toBe('price-asc');
  });

  it('when catalog-sort is newest, products come latest first', async () => {
    await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll('newest'));

    const response = await client().get('/products').expect(200);

    expect(skusOf(response)).toEqual(NEWEST);
    expect((response.body as ProductList).sort).toBe('newest');
  });

  it('a flag change applies to the next request without restarting the app', async () => {
    const api = client();
    await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll('price-asc'));
    expect(skusOf(await api.get('/products'))).toEqual(PRICE_ASC);

    await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll('newest'));
    expect(skusOf(await api.get('/products'))).toEqual(NEWEST);
  });

  it('when catalog-sort targets plan pro, X-User-Plan: pro gets that order and everyone else the fallthrough', async () => {
    await deps.testData.update(
      deps.testData
        .flag('catalog-sort')
        .variations('featured', 'price-asc', 'newest')
        .fallthroughVariation(0)
        .ifMatch('user', 'plan', 'pro')
        .thenReturn(1),
    );
    const api = client();

    const pro = await api.get('/products').set('X-User-Key', 'u-1').set('X-User-Plan', 'pro').expect(200);
    const free = await api.get('/products').set('X-User-Key', 'u-2').set('X-User-Plan', 'free').expect(200);
    const anonymous = await api.get('/products').expect(200);

    expect(skusOf(pro)).toEqual(PRICE_ASC);
    expect((pro.body as ProductList).sort).toBe('price-asc');
    expect(skusOf(free)).toEqual(FEATURED);
    expect(skusOf(anonymous)).toEqual(FEATURED);
  });

  it('when catalog-sort targets one user key, only that X-User-Key gets the targeted order', async () => {
    await deps.testData.update(
      deps.testData
        .flag('catalog-sort')
        .variations('featured', 'price-asc', 'newest')
        .fallthroughVariation(0)
        .variationForUser('alice', 2),
    );
    const api = client();

    expect(skusOf(await api.get('/products').set('X-User-Key', 'alice'))).toEqual(NEWEST);
    expect(skusOf(await api.get('/products').set('X-User-Key', 'bob'))).toEqual(FEATURED);
  });

  it('X-User-Country is matched upper-cased, so a lower-case header still hits a country rule', async () => {
    await deps.testData.update(
      deps.testData
        .flag('catalog-sort')
        .variations('featured', 'price-asc')
        .fallthroughVariation(0)
        .ifMatch('user', 'country', 'GB')
        .thenReturn(1),
    );

    const response = await client().get('/products').set('X-User-Country', 'gb').expect(200);

    expect(skusOf(response)).toEqual(PRICE_ASC);
  });

  it('when catalog-sort has an unknown value, products fall back to featured and a warning is logged', async () => {
    await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll('alphabetical'));

    const response = await client().get('/products').set('X-Request-Id', 'unknown-sort').expect(200);

    expect(skusOf(response)).toEqual(FEATURED);
    expect((response.body as ProductList).sort).toBe('featured');
    const warnings = (await linesFor('unknown-sort')).filter((line) => line.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'catalog-sort has an unknown value; using the default order',
        value: 'alphabetical',
        sort: 'featured',
      }),
    ]);
  });

  it('warns about an unknown catalog-sort value once, not on every request', async () => {
    await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll('alphabetical'));
    const api = client();

    for (let i = 0; i < 5; i += 1) await api.get('/products').set('X-Request-Id', `again-${i}`).expect(200);
    await linesFor('again-4');

    const warnings = deps.log
      .lines()
      .filter((line) => line.msg === 'catalog-sort has an unknown value; using the default order');
    expect(warnings).toHaveLength(1);
  });

  it('when catalog-sort is not a string at all, products fall back to featured', async () => {
    await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll(3));

    const response = await client().get('/products').expect(200);

    expect(skusOf(response)).toEqual(FEATURED);
    expect((response.body as ProductList).sort).toBe('featured');
  });

  it('when catalog-sort is not defined, products come in the fallback (featured) order without a warning', async () => {
    const response = await client().get('/products').set('X-Request-Id', 'no-flag').expect(200);

    expect(skusOf(response)).toEqual(FEATURED);
    expect((response.body as ProductList).sort).toBe('featured');
    expect((await linesFor('no-flag')).filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('orders the real product file by the flag too', async () => {
    await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll('price-asc'));
    const catalog = await loadProductCatalog(DEFAULT_PRODUCTS_FILE);

    const response = await request(createApp({ ...deps, catalog }).callback())
      .get('/products')
      .expect(200);

    const prices = (response.body as ProductList).items.map((item) => item.priceCents);
    expect(prices).toHaveLength(catalog.products.length);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
  });

  describe('?limit=', () => {
    it.each([
      ['1', PRICE_ASC.slice(0, 1)],
      ['2', PRICE_ASC.slice(0, 2)],
      ['4', PRICE_ASC],
      ['100', PRICE_ASC],
      ['007', PRICE_ASC],
    ])('limit=%s returns the first products in flag order', async (limit, expected) => {
      await deps.testData.update(deps.testData.flag('catalog-sort').valueForAll('price-asc'));

      const response = await client().get(`/products?limit=${limit}`).expect(200);

      expect(skusOf(response)).toEqual(expected);
    });

    it.each([
      ['limit=0'],
      ['limit=101'],
      ['limit=1000'],
      ['limit=-1'],
      ['limit=1.5'],
      ['limit=abc'],
      ['limit='],
      ['limit=1e1'],
      ['limit=0x10'],
      ['limit=%205'],
      ['limit=1&limit=2'],
    ])('?%s is a 400 invalid_query that says what a limit must be', async (query) => {
      const response = await client().get(`/products?${query}`);

      const message = expectJsonError(response, 400, 'invalid_query');
      expect(message).toBe('limit must be a whole number from 1 to 100');
    });
  });
});

describe('GET /products/:sku', () => {
  it('answers the product as JSON', async () => {
    const response = await client().get('/products/CHAIR').expect(200);

    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual(PRODUCTS[3]);
  });

  it('an unknown sku is a 404 not_found JSON error naming it', async () => {
    const response = await client().get('/products/NOPE-1');

    expect(expectJsonError(response, 404, 'not_found')).toBe('No product with sku NOPE-1');
  });

  it('skus are case-sensitive', async () => {
    expectJsonError(await client().get('/products/chair'), 404, 'not_found');
  });

  it('a very long unknown sku is cut to 64 characters in the message', async () => {
    const response = await client().get(`/products/${'X'.repeat(500)}`);

    expect(expectJsonError(response, 404, 'not_found')).toBe(`No product with sku ${'X'.repeat(64)}`);
  });

  it('a malformed percent-escape is a 404, not a 500', async () => {
    expectJsonError(await client().get('/products/%E0%A4%A'), 404, 'not_found');
  });
});

describe('behaviour every service shares, seen through catalog', () => {
  it('GET /livez is 200 { status: ok }', async () => {
    const response = await client().get('/livez').expect(200);

    expect(response.body).toEqual({ status: 'ok' });
  });

  it('health checks ignore user headers, so a probe never fails on them', async () => {
    await client().get('/livez').set('X-User-Key', 'not a key').expect(200);
    await client().get('/readyz').set('X-User-Plan', '!!').expect(200);
  });

  it('GET /readyz is 200 with the Node.js version and the flag client state while serving, and never cached', async () => {
    const response = await client().get('/readyz').expect(200);

    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      status: 'serving',
      node: process.version,
      flags: {
        mode: 'file',
        initialized: true,
        initDurationMs: expect.any(Number),
        lastUpdateAt: expect.any(String),
        lastError: null,
        // TestData feeds these flags: no source is watched.
        source: null,
        rejectedData: null,
        serving: 'live',
        store: null,
      },
    });
  });

  it('GET /readyz is 503 while draining, so the load balancer stops sending traffic', async () => {
    const api = client();
    deps.lifecycle.enter('draining');

    const response = await api.get('/readyz').expect(503);

    expect(response.body).toMatchObject({ status: 'draining', flags: { initialized: true } });
    await api.get('/livez').expect(200);
  });

  it('GET /readyz is 503 while still starting', async () => {
    const response = await client({ lifecycle: createLifecycle() }).get('/readyz').expect(503);

    expect(response.body).toMatchObject({ status: 'starting' });
  });

  it('an unknown route is a 404 not_found JSON error naming the method and path', async () => {
    const response = await client().get('/nope');

    expect(expectJsonError(response, 404, 'not_found')).toBe('No route for GET /nope');
  });

  it('a method the route does not have is a 405 method_not_allowed JSON error', async () => {
    expectJsonError(await client().post('/products'), 405, 'method_not_allowed');
    expectJsonError(await client().delete('/products/CHAIR'), 405, 'method_not_allowed');
  });

  it.each(['PROPFIND', 'TRACE'])('an odd method (%s) is a 405, never a 501', async (method) => {
    const api = client();
    const response = method === 'TRACE' ? await api.trace('/products') : await api.propfind('/products');

    expectJsonError(response, 405, 'method_not_allowed');
  });

  it('HEAD works wherever GET does', async () => {
    await client().head('/products').expect(200);
  });

  describe('X-Request-Id', () => {
    it('reuses a sane inbound id, echoes it and logs the request under it', async () => {
      const response = await client().get('/products').set('X-Request-Id', 'req-42.a:b_c').expect(200);

      expect(response.headers['x-request-id']).toBe('req-42.a:b_c');
      expect(await linesFor('req-42.a:b_c')).toContainEqual(
        expect.objectContaining({ level: 'http', method: 'GET', path: '/products', status: 200 }),
      );
    });

    it('reuses an id of exactly 128 characters', async () => {
      const id = 'a'.repeat(128);
      const response = await client().get('/livez').set('X-Request-Id', id);

      expect(response.headers['x-request-id']).toBe(id);
    });

    it.each([
      ['too long (129 characters)', 'a'.repeat(129)],
      ['with spaces', 'abc def'],
      ['with markup', '<script>'],
      ['with a slash', 'a/b'],
      ['with a percent sign', 'a%0Ab'],
    ])('replaces an inbound id that is %s with a fresh UUID', async (_label, inbound) => {
      const response = await client().get('/livez').set('X-Request-Id', inbound).expect(200);

      const echoed = response.headers['x-request-id'];
      expect(echoed).toMatch(UUID);
      expect(echoed).not.toBe(inbound);
    });

    it('makes a UUID when there is none, and a new one for each request', async () => {
      const api = client();
      const first = await api.get('/livez');
      const second = await api.get('/livez');

      expect(first.headers['x-request-id']).toMatch(UUID);
      expect(second.headers['x-request-id']).toMatch(UUID);
      expect(first.headers['x-request-id']).not.toBe(second.headers['x-request-id']);
    });

    it('is echoed on error responses too', async () => {
      const response = await client().get('/nope').set('X-Request-Id', 'lost-1');

      expect(response.status).toBe(404);
      expect(response.headers['x-request-id']).toBe('lost-1');
    });
  });

  describe('user headers', () => {
    it.each([
      ['X-User-Key', 'has space'],
      ['X-User-Key', 'k'.repeat(257)],
      ['X-User-Key', 'semi;colon'],
      ['X-User-Plan', 'pro!'],
      ['X-User-Plan', 'p'.repeat(33)],
      ['X-User-Country', 'USA'],
      ['X-User-Country', 'G1'],
      ['X-User-Country', 'g'],
    ])('a bad %s (%j) is a 400 invalid_header naming the header', async (name, value) => {
      const response = await client().get('/products').set(name, value);

      expect(expectJsonError(response, 400, 'invalid_header')).toMatch(new RegExp(`^${name} must be `));
    });

    it('a repeated X-User-Key is a 400 invalid_header', async () => {
      // supertest cannot send a header twice, so this one goes through a plain http request.
      const server = http.createServer(
        requestListener(createApp({ ...deps, catalog: createProductCatalog(PRODUCTS) })),
      );
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const { port } = server.address() as AddressInfo;
        const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const headers = { 'X-User-Key': ['alice', 'bob'] };
          http
            .get({ host: '127.0.0.1', port, path: '/products', agent: false, headers }, (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (body += chunk));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            })
            .on('error', reject);
        });

        expect(response.status).toBe(400);
        expect(JSON.parse(response.body)).toEqual({
          error: { code: 'invalid_header', message: expect.stringMatching(/^X-User-Key /) },
        });
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('accepts well-formed user headers', async () => {
      await client()
        .get('/products')
        .set('X-User-Key', 'user:alice@example.com')
        .set('X-User-Plan', 'Pro_Plus-2')
        .set('X-User-Country', 'gb')
        .expect(200);
    });
  });

  it('error responses hold only code and message, never a stack', async () => {
    const api = client();
    const failures = [
      await api.get('/nope'),
      await api.get('/products?limit=0'),
      await api.get('/products/NOPE'),
      await api.get('/products').set('X-User-Key', 'bad key'),
      await api.post('/products'),
    ];

    for (const response of failures) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(Object.keys((response.body as { error: object }).error).sort()).toEqual(['code', 'message']);
      expect(response.text).not.toMatch(/stack|\bat .+:\d+:\d+/);
    }
  });
});
