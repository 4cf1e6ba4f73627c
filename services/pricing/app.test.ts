import request from 'supertest';

import { DEFAULT_PRODUCTS_FILE } from '../../test/support/test-products';
import { createProductCatalog, loadProductCatalog, type Product } from '../../domain/products';
import { createTestDependencies, type TestServiceDependencies } from '../../test/support/test-dependencies';
import { MAX_DISCOUNT_PERCENT, createApp } from './app';
import type { Quote } from './quote';
import { pricedProduct as product } from '../../test/support/test-products';

type LogLine = Record<string, unknown>;
type Api = ReturnType<typeof request>;

const PRODUCTS: readonly Product[] = [
  product('PEN', 335),
  product('BOOK', 1999),
  product('MUG-EU', 1200, 'EUR'),
];

/** 3 PEN: a subtotal of 1005 cents, so 10% off is 100.5 cents and shows the rounding. */
const THREE_PENS = { items: [{ sku: 'PEN', quantity: 3 }] };

let deps: TestServiceDependencies;

beforeEach(async () => {
  deps = await createTestDependencies('pricing');
});

afterEach(() => deps.close());

function client(): Api {
  return request(createApp({ ...deps, catalog: createProductCatalog(PRODUCTS) }).callback());
}

function quoteOf(response: request.Response): Quote {
  expect(response.status).toBe(200);
  return response.body as Quote;
}

const linesFor = (requestId: string): Promise<LogLine[]> => deps.log.linesFor(requestId);

function discountFlag(fallthrough: number, byPlan: Readonly<Record<string, number>> = {}) {
  const values = [fallthrough, ...Object.values(byPlan)];
  let flag = deps.testData
    .flag('pricing-discount-percent')
    .variations(...values)
    .fallthroughVariation(0);
  Object.keys(byPlan).forEach((plan, index) => {
    flag = flag.ifMatch('user', 'plan', plan).thenReturn(index + 1);
  });
  return deps.testData.update(flag);
}

describe('POST /quotes', () => {
  it('answers a quote in integer cents: lines, subtotal, no discount, flat shipping, total', async () => {
    const response = await client()
      .post('/quotes')
      .send({
        items: [
          { sku: 'BOOK', quantity: 2 },
          { sku: 'PEN', quantity: 1 },
        ],
      });

    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(quoteOf(response)).toEqual({
      currency: 'USD',
      lines: [
        { sku: 'BOOK', name: 'Product BOOK', quantity: 2, unitPriceCents: 1999, lineTotalCents: 3998 },
        { sku: 'PEN', name: 'Product PEN', quantity: 1, unitPriceCents: 335, lineTotalCents: 335 },
      ],
      subtotalCents: 4333,
      discountPercent: 0,
      discountCents: 0,
      shippingCents: 499,
      freeShipping: false,
      totalCents: 4832,
    });
  });

  it('accepts application/json with a charset', async () => {
    const response = await client()
      .post('/quotes')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify(THREE_PENS));

    expect(quoteOf(response).totalCents).toBe(1504);
  });

  it('quotes the real product file', async () => {
    const catalog = await loadProductCatalog(DEFAULT_PRODUCTS_FILE);

    const response = await request(createApp({ ...deps, catalog }).callback())
      .post('/quotes')
      .send({ items: [{ sku: 'KB-001', quantity: 2 }] });

    expect(quoteOf(response)).toMatchObject({ currency: 'USD', subtotalCents: 25800, totalCents: 26299 });
  });

  describe('discount (pricing-discount-percent)', () => {
    it('when the flag targets plans, each X-User-Plan gets its discount, rounded half up', async () => {
      await discountFlag(0, { pro: 10, enterprise: 20 });
      const api = client();

      const pro = quoteOf(await api.post('/quotes').set('X-User-Plan', 'pro').send(THREE_PENS));
      const enterprise = quoteOf(await api.post('/quotes').set('X-User-Plan', 'enterprise').send(THREE_PENS));
      const free = quoteOf(await api.post('/quotes').set('X-User-Plan', 'free').send(THREE_PENS));
      const anonymous = quoteOf(await api.post('/quotes').send(THREE_PENS));

      expect(pro).toMatchObject({
        subtotalCents: 1005,
        discountPercent: 10,
        discountCents: 101,
        totalCents: 1403,
      });
      expect(enterprise).toMatchObject({ discountPercent: 20, discountCents: 201, totalCents: 1303 });
      expect(free).toMatchObject({ discountPercent: 0, discountCents: 0, totalCents: 1504 });
      expect(anonymous).toMatchObject({ discountPercent: 0, discountCents: 0, totalCents: 1504 });
    });

    it('when the flag targets a plan for a known user, the key and plan travel together', async () => {
      await discountFlag(0, { pro: 10 });

      const quote = quoteOf(
        await client().post('/quotes').set('X-User-Key', 'alice').set('X-User-Plan', 'pro').send(THREE_PENS),
      );

      expect(quote.discountCents).toBe(101);
    });

    it(`the largest allowed discount (${MAX_DISCOUNT_PERCENT}%) applies`, async () => {
      await deps.testData.update(deps.testData.flag('pricing-discount-percent').valueForAll(50));

      const quote = quoteOf(await client().post('/quotes').send(THREE_PENS));

      expect(quote).toMatchObject({ discountPercent: 50, discountCents: 503, totalCents: 1005 - 503 + 499 });
    });

    it.each([80, 51, 100, -5, 12.5])(
      'an out-of-range discount flag value (%d) applies no discount and logs a warning',
      async (value) => {
        await deps.testData.update(deps.testData.flag('pricing-discount-percent').valueForAll(value));

        const response = await client().post('/quotes').set('X-Request-Id', 'odd-discount').send(THREE_PENS);

        expect(quoteOf(response)).toMatchObject({ discountPercent: 0, discountCents: 0, totalCents: 1504 });
        const warnings = (await linesFor('odd-discount')).filter((line) => line.level === 'warn');
        expect(warnings).toEqual([
          expect.objectContaining({
            msg: 'pricing-discount-percent is outside 0-50 or not whole; applying no discount',
            value,
          }),
        ]);
      },
    );

    it('a discount flag that is not a number applies no discount', async () => {
      await deps.testData.update(deps.testData.flag('pricing-discount-percent').valueForAll('10'));

      const quote = quoteOf(await client().post('/quotes').send(THREE_PENS));

      expect(quote).toMatchObject({ discountPercent: 0, discountCents: 0 });
    });

    it('with no discount flag defined, there is no discount and no warning', async () => {
      const response = await client().post('/quotes').set('X-Request-Id', 'no-flag').send(THREE_PENS);

      expect(quoteOf(response)).toMatchObject({ discountPercent: 0, discountCents: 0 });
      expect((await linesFor('no-flag')).filter((line) => line.level === 'warn')).toEqual([]);
    });
  });

  describe('shipping (pricing-free-shipping)', () => {
    it('when free shipping is on, shipping is 0 and the quote says so', async () => {
      await deps.testData.update(
        deps.testData.flag('pricing-free-shipping').booleanFlag().variationForAll(true),
      );

      const quote = quoteOf(await client().post('/quotes').send(THREE_PENS));

      expect(quote).toMatchObject({ shippingCents: 0, freeShipping: true, totalCents: 1005 });
    });

    it('when free shipping is off, shipping is the flat 499 cents', async () => {
      await deps.testData.update(
        deps.testData.flag('pricing-free-shipping').booleanFlag().variationForAll(false),
      );

      const quote = quoteOf(await client().post('/quotes').send(THREE_PENS));

      expect(quote).toMatchObject({ shippingCents: 499, freeShipping: false, totalCents: 1504 });
    });

    it('when free shipping is not defined, shipping is charged', async () => {
      const quote = quoteOf(await client().post('/quotes').send(THREE_PENS));

      expect(quote).toMatchObject({ shippingCents: 499, freeShipping: false });
    });

    it('when free shipping targets a country, only callers from there get it', async () => {
      await deps.testData.update(
        deps.testData
          .flag('pricing-free-shipping')
          .booleanFlag()
          .fallthroughVariation(false)
          .ifMatch('user', 'country', 'GB')
          .thenReturn(true),
      );
      const api = client();

      const gb = quoteOf(await api.post('/quotes').set('X-User-Country', 'gb').send(THREE_PENS));
      const us = quoteOf(await api.post('/quotes').set('X-User-Country', 'US').send(THREE_PENS));

      expect(gb).toMatchObject({ freeShipping: true, shippingCents: 0 });
      expect(us).toMatchObject({ freeShipping: false, shippingCents: 499 });
    });

    it('discount and free shipping combine', async () => {
      await discountFlag(0, { pro: 10 });
      await deps.testData.update(
        deps.testData.flag('pricing-free-shipping').booleanFlag().variationForAll(true),
      );

      const quote = quoteOf(await client().post('/quotes').set('X-User-Plan', 'pro').send(THREE_PENS));

      expect(quote).toMatchObject({
        subtotalCents: 1005,
        discountCents: 101,
        shippingCents: 0,
        totalCents: 904,
      });
    });
  });

  describe('bad requests are 4xx JSON errors with a clear message, never a 5xx', () => {
    const json = (api: Api, body: string) =>
      api.post('/quotes').set('Content-Type', 'application/json').send(body);
    const item = (extra: Record<string, unknown>) => ({ items: [{ sku: 'PEN', quantity: 1, ...extra }] });

    interface BadRequest {
      readonly label: string;
      readonly send: (api: Api) => request.Test;
      readonly status: number;
      readonly code: string;
      readonly message: RegExp;
    }
    const bad = (
      label: string,
      send: BadRequest['send'],
      status: number,
      code: string,
      message: RegExp,
    ): BadRequest => ({ label, send, status, code, message });

    const cases: readonly BadRequest[] = [
      bad('malformed JSON', (api) => json(api, '{"items":'), 400, 'malformed_json', /not valid JSON/),
      bad('a JSON string', (api) => json(api, '"PEN"'), 400, 'malformed_json', /JSON/),
      bad(
        'a text/plain body',
        (api) => api.post('/quotes').set('Content-Type', 'text/plain').send('PEN x1'),
        415,
        'unsupported_media_type',
        /Content-Type must be application\/json/,
      ),
      bad(
        'a form body',
        (api) => api.post('/quotes').type('form').send('sku=PEN&quantity=1'),
        415,
        'unsupported_media_type',
        /application\/json/,
      ),
      bad(
        'a body without any Content-Type',
        (api) => api.post('/quotes').send(Buffer.from(JSON.stringify(THREE_PENS))),
        415,
        'unsupported_media_type',
        /application\/json/,
      ),
      bad('no body at all', (api) => api.post('/quotes'), 400, 'invalid_body', /^items: /),
      bad('an empty JSON body', (api) => json(api, ''), 400, 'invalid_body', /^items: /),
      bad('{}', (api) => api.post('/quotes').send({}), 400, 'invalid_body', /^items: .*expected array/),
      bad(
        'a JSON array',
        (api) => json(api, '[]'),
        400,
        'invalid_body',
        /must be an object with an items array/,
      ),
      bad(
        'items that is not an array',
        (api) => api.post('/quotes').send({ items: 'PEN' }),
        400,
        'invalid_body',
        /^items: .*expected array, received string/,
      ),
      bad(
        'empty items',
        (api) => api.post('/quotes').send({ items: [] }),
        400,
        'invalid_body',
        /^items: must list at least one item$/,
      ),
      bad(
        'more than 100 items',
        (api) =>
          api
            .post('/quotes')
            .send({ items: Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }),
        400,
        'invalid_body',
        /^items: must list at most 100 items$/,
      ),
      bad(
        'quantity 0',
        (api) => api.post('/quotes').send(item({ quantity: 0 })),
        400,
        'invalid_body',
        /^items\.0\.quantity: /,
      ),
      bad(
        'quantity 1001',
        (api) => api.post('/quotes').send(item({ quantity: 1001 })),
        400,
        'invalid_body',
        /^items\.0\.quantity: /,
      ),
      bad(
        'quantity "2" (a string)',
        (api) => api.post('/quotes').send(item({ quantity: '2' })),
        400,
        'invalid_body',
        /^items\.0\.quantity: .*expected number/,
      ),
      bad(
        'quantity 1.5',
        (api) => api.post('/quotes').send(item({ quantity: 1.5 })),
        400,
        'invalid_body',
        /^items\.0\.quantity: /,
      ),
      bad(
        'quantity missing',
        (api) => api.post('/quotes').send({ items: [{ sku: 'PEN' }] }),
        400,
        'invalid_body',
        /^items\.0\.quantity: /,
      ),
      bad(
        'sku missing',
        (api) => api.post('/quotes').send({ items: [{ quantity: 2 }] }),
        400,
        'invalid_body',
        /^items\.0\.sku: /,
      ),
      bad(
        'an empty sku',
        (api) => api.post('/quotes').send(item({ sku: '' })),
        400,
        'invalid_body',
        /^items\.0\.sku: /,
      ),
      bad(
        'an unknown key at the top',
        (api) => api.post('/quotes').send({ ...THREE_PENS, coupon: 'FREE' }),
        400,
        'invalid_body',
        /^body: Unrecognized key: "coupon"$/,
      ),
      bad(
        'an unknown key in an item',
        (api) => api.post('/quotes').send(item({ priceCents: 1 })),
        400,
        'invalid_body',
        /^items\.0: Unrecognized key: "priceCents"$/,
      ),
      bad(
        'an unknown sku',
        (api) => api.post('/quotes').send({ items: [{ sku: 'NOPE', quantity: 1 }] }),
        400,
        'unknown_sku',
        /^Unknown sku: NOPE$/,
      ),
      bad(
        'a duplicate sku',
        (api) =>
          api.post('/quotes').send({
            items: [
              { sku: 'PEN', quantity: 1 },
              { sku: 'PEN', quantity: 2 },
            ],
          }),
        400,
        'duplicate_sku',
        /^sku PEN appears more than once$/,
      ),
      bad(
        'products in two currencies',
        (api) =>
          api.post('/quotes').send({
            items: [
              { sku: 'PEN', quantity: 1 },
              { sku: 'MUG-EU', quantity: 1 },
            ],
          }),
        400,
        'mixed_currency',
        /USD, EUR/,
      ),
      bad(
        'a body over 32kb',
        (api) => api.post('/quotes').send({ ...THREE_PENS, padding: 'x'.repeat(33 * 1024) }),
        413,
        'payload_too_large',
        /^Request body exceeds 32kb$/,
      ),
      bad('GET /quotes', (api) => api.get('/quotes'), 405, 'method_not_allowed', /Method not allowed/),
      bad(
        'PUT /quotes',
        (api) => api.put('/quotes').send(THREE_PENS),
        405,
        'method_not_allowed',
        /Method not allowed/,
      ),
      bad(
        'PROPFIND /quotes',
        (api) => api.propfind('/quotes'),
        405,
        'method_not_allowed',
        /Method not allowed/,
      ),
      bad('TRACE /quotes', (api) => api.trace('/quotes'), 405, 'method_not_allowed', /Method not allowed/),
    ];

    it.each(cases)('$label: $status $code', async ({ send, status, code, message }) => {
      const response = await send(client()).set('X-Request-Id', 'bad-input');

      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({ error: { code, message: expect.stringMatching(message) } });
      expect(response.text).not.toMatch(/stack|\bat .+:\d+:\d+/);
      expect((await linesFor('bad-input')).filter((line) => line.level === 'error')).toEqual([]);
    });

    it('a 405 says which methods the route allows', async () => {
      const response = await client().get('/quotes');
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
      expect((await client().propfind('/quotes')).headers.allow).toBe('POST');
    });

    it('a structured +json content type is parsed like application/json, not refused', async () => {
      const response = await client()
        .post('/quotes')
        .set('Content-Type', 'application/vnd.quote+json')
        .send(JSON.stringify(THREE_PENS));
      expect(quoteOf(response).subtotalCents).toBe(1005);
    });

    it('a body just under 32kb is read, then validated', async () => {
      const response = await client()
        .post('/quotes')
        .send({ ...THREE_PENS, padding: 'x'.repeat(31 * 1024) });

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: { code: 'invalid_body', message: 'body: Unrecognized key: "padding"' },
      });
    });

    it('lists several problems at once, each with where it is', async () => {
      const response = await client()
        .post('/quotes')
        .send({
          items: [
            { sku: '', quantity: 0 },
            { sku: 'PEN', quantity: 'x' },
          ],
        });

      const { message } = (response.body as { error: { message: string } }).error;
      expect(message.split('; ')).toEqual([
        expect.stringMatching(/^items\.0\.sku: /),
        expect.stringMatching(/^items\.0\.quantity: /),
        expect.stringMatching(/^items\.1\.quantity: /),
      ]);
    });

    it('a bad user header is a 400 invalid_header before the body is looked at', async () => {
      const response = await client().post('/quotes').set('X-User-Plan', 'pro plan').send(THREE_PENS);

      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: { code: 'invalid_header', message: expect.stringMatching(/^X-User-Plan /) },
      });
    });
  });
});

describe('shared routes on pricing', () => {
  it('/livez is 200, /readyz 200 while serving and 503 while draining', async () => {
    const api = client();
    await api.get('/livez').expect(200, { status: 'ok' });
    await api.get('/readyz').expect(200);

    deps.lifecycle.enter('draining');

    const draining = await api.get('/readyz').expect(503);
    expect(draining.body).toMatchObject({ status: 'draining' });
  });

  it('an unknown route is a 404 JSON error, and the request id is echoed', async () => {
    const response = await client().get('/prices').set('X-Request-Id', 'r-1');

    expect(response.status).toBe(404);
    expect(response.headers['x-request-id']).toBe('r-1');
    expect(response.body).toEqual({ error: { code: 'not_found', message: 'No route for GET /prices' } });
  });
});
