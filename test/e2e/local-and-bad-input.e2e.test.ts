import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { findProjectRoot } from '../../shared/config';

type ServiceName = 'gateway' | 'catalog' | 'pricing';
import {
  replyFromEachInstance,
  replyFromEachInstanceTo,
  waitForEveryInstance,
  type InstanceMatch,
  type InstanceReply,
  type InstanceRequest,
  type InstanceResponse,
} from '../support/instance-sampler';
import { startFleet, type Fleet } from '../support/pm2-fleet';
import { waitFor } from '../support/wait-for';

const INSTANCES = 2;
const TOTAL_INSTANCES = 3 * INSTANCES;
const SERVICES = ['gateway', 'catalog', 'pricing'] as const;
/** The claim: an edit of the flag file reaches every instance within this long. */
const PROPAGATION_MS = 1000;
/** How long to keep looking before reporting which instances never changed (diagnostics only). */
const GIVE_UP_MS = 10_000;
/** Each test: well above GIVE_UP_MS, so a missed change fails with its own message, not a timeout. */
const TEST_TIMEOUT_MS = 30_000;
const projectRoot = findProjectRoot(__dirname);

function sortOf(reply: InstanceReply): unknown {
  return reply.status === 200 ? (reply.body as { sort?: unknown }).sort : undefined;
}

function labels(service: ServiceName): string[] {
  return Array.from({ length: INSTANCES }, (_, index) => `${service}#${index}`);
}

function propagation(matches: ReadonlyMap<string, InstanceMatch>): {
  instances: string[];
  slowestMs: number;
} {
  return {
    instances: [...matches.keys()].sort(),
    slowestMs: Math.max(...[...matches.values()].map((match) => match.afterMs)),
  };
}

async function expectEveryInstanceOnlineWithoutRestarts(fleet: Fleet): Promise<void> {
  const instances = await fleet.list();
  expect(instances).toHaveLength(TOTAL_INSTANCES);
  expect(
    instances.map((instance) => ({
      name: instance.name,
      status: instance.pm2_env.status,
      restarts: instance.pm2_env.restart_time,
    })),
  ).toEqual(instances.map((instance) => ({ name: instance.name, status: 'online', restarts: 0 })));
}

interface FlagFileFlag {
  version: number;
  fallthrough: { variation: number };
  [field: string]: unknown;
}

interface FlagFile {
  flags: Record<string, FlagFileFlag>;
  [field: string]: unknown;
}

describe('local flag file mode: edits of the file reach every instance', () => {
  let dir: string | undefined;
  let flagsFile = '';
  let fleet: Fleet | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-flags-'));
    flagsFile = path.join(dir, 'flags.json');
    await copyFile(path.join(projectRoot, 'data', 'flags.json'), flagsFile);
    fleet = await startFleet({ instances: INSTANCES, env: { LAUNCHDARKLY_FLAGS_FILE: flagsFile } });
  }, 90_000);

  afterAll(async () => {
    try {
      await fleet?.destroy();
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  async function readFlagFile(): Promise<FlagFile> {
    return JSON.parse(await readFile(flagsFile, 'utf8')) as FlagFile;
  }

  /** Rewrites the file in place (same inode), with catalog-sort's fallthrough and version raised. */
  async function setCatalogSortFallthrough(variation: number): Promise<number> {
    const before = await stat(flagsFile);
    const flags = await readFlagFile();
    const catalogSort = flags.flags['catalog-sort']!;
    catalogSort.fallthrough = { variation };
    catalogSort.version += 1;
    const since = Date.now();
    await writeFile(flagsFile, `${JSON.stringify(flags, null, 2)}\n`);
    expect((await stat(flagsFile)).ino).toBe(before.ino);
    return since;
  }

  /** Waits until every catalog instance, and every gateway instance, serves `sort`; checks it took ≤ 1 s. */
  async function expectEveryInstanceToServeWithin1s(sort: string, since: number): Promise<void> {
    const serves = (reply: InstanceReply): boolean => sortOf(reply) === sort;
    const [direct, viaGateway] = await Promise.all([
      waitForEveryInstance(fleet!.url('catalog', '/products?limit=3'), INSTANCES, {}, serves, {
        since,
        timeoutMs: GIVE_UP_MS,
      }),
      waitForEveryInstance(fleet!.url('gateway', '/api/products?limit=3'), INSTANCES, {}, serves, {
        since,
        timeoutMs: GIVE_UP_MS,
      }),
    ]);
    expect(propagation(direct)).toEqual({ instances: labels('catalog'), slowestMs: expect.any(Number) });
    expect(propagation(direct).slowestMs).toBeLessThanOrEqual(PROPAGATION_MS);
    expect(propagation(viaGateway)).toEqual({ instances: labels('gateway'), slowestMs: expect.any(Number) });
    expect(propagation(viaGateway).slowestMs).toBeLessThanOrEqual(PROPAGATION_MS);
  }

  it(
    'editing the file in place (version raised) changes every catalog instance answer within 1 s',
    async () => {
      // The fleet really reads the temporary file: the free-plan rule in it, the fallthrough otherwise.
      const lines = await fleet!.outLines();
      for (const instanceLines of lines.values()) {
        expect(instanceLines.filter((line) => line.includes('LaunchDarkly client'))).toEqual([
          expect.stringMatching(/LaunchDarkly client initialized mode=file /),
        ]);
      }
      const free = await replyFromEachInstance(fleet!.url('catalog', '/products?limit=3'), INSTANCES, {
        'X-User-Plan': 'free',
      });
      expect([...free.values()].map(sortOf)).toEqual(['price-asc', 'price-asc']);
      const before = await replyFromEachInstance(fleet!.url('catalog', '/products?limit=3'), INSTANCES);
      expect([...before.values()].map(sortOf)).toEqual(['featured', 'featured']);

      const since = await setCatalogSortFallthrough(2);
      await expectEveryInstanceToServeWithin1s('newest', since);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a malformed file is logged as "Error processing files" by every instance, and every instance keeps the last good values',
    async () => {
      const lastGood = await readFlagFile();
      expect(lastGood.flags['catalog-sort']!.fallthrough).toEqual({ variation: 2 });
      const linesBefore = await fleet!.outLines();
      await writeFile(flagsFile, '{ "flags": { "catalog-sort": { "key": "catalog-sort", "version": ');

      const errors = await waitFor(
        'an "Error processing files" line from every instance',
        async () => {
          const lines = await fleet!.outLines();
          const found = [...lines].map(([pmId, instanceLines]) =>
            instanceLines
              .slice(linesBefore.get(pmId)?.length ?? 0)
              .find((line) => line.includes('Error processing files')),
          );
          return found.length === TOTAL_INSTANCES && found.every((line) => line !== undefined)
            ? (found as string[])
            : undefined;
        },
        { timeoutMs: GIVE_UP_MS },
      );
      for (const line of errors) {
        // Logged at error level, with what is wrong with the file.
        expect(line).toMatch(/ error .* Error processing files: SyntaxError: /);
      }

      // Still the last good values everywhere: catalog's edited sort, pricing's plan rules, no maintenance.
      const catalog = await replyFromEachInstance(fleet!.url('catalog', '/products?limit=3'), INSTANCES);
      expect([...catalog.values()].map(sortOf)).toEqual(['newest', 'newest']);
      const gateway = await replyFromEachInstance(fleet!.url('gateway', '/api/products?limit=3'), INSTANCES);
      expect([...gateway.values()].map((reply) => [reply.status, sortOf(reply)])).toEqual([
        [200, 'newest'],
        [200, 'newest'],
      ]);
      const quotes = await replyFromEachInstanceTo(fleet!.url('pricing', '/quotes'), INSTANCES, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-User-Plan': 'pro' },
        body: JSON.stringify({ items: [{ sku: 'KB-001', quantity: 2 }] }),
      });
      expect([...quotes.values()].map((reply) => reply.body)).toEqual([
        expect.objectContaining({ discountPercent: 10, freeShipping: true }),
        expect.objectContaining({ discountPercent: 10, freeShipping: true }),
      ]);
      await expectEveryInstanceOnlineWithoutRestarts(fleet!);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a good write after the malformed one is picked up again by every instance within 1 s',
    async () => {
      // The last good content, with catalog-sort moved on again (the malformed file never counted).
      const since = Date.now();
      const good: FlagFile = JSON.parse(
        await readFile(path.join(projectRoot, 'data', 'flags.json'), 'utf8'),
      ) as FlagFile;
      good.flags['catalog-sort']!.fallthrough = { variation: 1 };
      good.flags['catalog-sort']!.version = 3;
      await writeFile(flagsFile, `${JSON.stringify(good, null, 2)}\n`);
      await expectEveryInstanceToServeWithin1s('price-asc', since);
      await expectEveryInstanceOnlineWithoutRestarts(fleet!);
    },
    TEST_TIMEOUT_MS,
  );
});

// ---- bad input ----

type Expectation =
  /** A 4xx whose body is exactly `{ error: { code, message } }`. */
  | { readonly kind: 'client-error'; readonly names?: string }
  /** A 2xx (OPTIONS, health routes that read no user header). */
  | { readonly kind: 'success' }
  /** A 2xx whose X-Request-Id is a fresh, sane one instead of the one sent. */
  | { readonly kind: 'replaced-request-id'; readonly sent: string }
  /** A debatable input: a 2xx, or a 4xx JSON error; never a 5xx. */
  | { readonly kind: 'no-server-error' };

interface BadInputCase {
  readonly service: ServiceName;
  readonly path: string;
  readonly what: string;
  readonly request: InstanceRequest;
  readonly expect: Expectation;
}

const CLIENT_ERROR: Expectation = { kind: 'client-error' };
const JSON_HEADERS = { 'Content-Type': 'application/json' };
const VALID_QUOTE = JSON.stringify({ items: [{ sku: 'KB-001', quantity: 1 }] });
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** What a leaked stack trace or internal path looks like in a response body. */
const STACK_TRACE = /\n\s+at |\bat \S+ \(|node_modules|\/dist\/|\.[jt]s:\d+/;

interface Route {
  readonly service: ServiceName;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  /** Reads the X-User-* headers (evaluates flags for the caller). */
  readonly userHeaders: boolean;
  /** `GET /products`-like: takes ?limit. */
  readonly limit?: boolean;
  /** `GET /products/:sku`-like: the part before the sku. */
  readonly skuPrefix?: string;
}

const ROUTES: readonly Route[] = [
  { service: 'gateway', path: '/api/products', method: 'GET', userHeaders: true, limit: true },
  {
    service: 'gateway',
    path: '/api/products/KB-001',
    method: 'GET',
    userHeaders: true,
    skuPrefix: '/api/products/',
  },
  { service: 'gateway', path: '/api/quotes', method: 'POST', userHeaders: true },
  { service: 'catalog', path: '/products', method: 'GET', userHeaders: true, limit: true },
  { service: 'catalog', path: '/products/KB-001', method: 'GET', userHeaders: true, skuPrefix: '/products/' },
  { service: 'pricing', path: '/quotes', method: 'POST', userHeaders: true },
  ...SERVICES.flatMap((service): Route[] => [
    { service, path: '/livez', method: 'GET', userHeaders: false },
    { service, path: '/readyz', method: 'GET', userHeaders: false },
  ]),
];

function validRequest(
  route: Route,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): InstanceRequest {
  return route.method === 'POST'
    ? { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: VALID_QUOTE }
    : { method: 'GET', headers };
}

function deeplyNested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Bodies for POST routes: what is sent, with which headers. */
function bodyCases(route: Route): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const add = (
    what: string,
    body: string | Buffer | undefined,
    headers: Record<string, string> = JSON_HEADERS,
    expectation: Expectation = CLIENT_ERROR,
  ): void => {
    cases.push({
      service: route.service,
      path: route.path,
      what: `POST ${what}`,
      request: { method: 'POST', headers, ...(body === undefined ? {} : { body }) },
      expect: expectation,
    });
  };
  const item = (fields: Record<string, unknown>): string => JSON.stringify({ items: [fields] });

  // Malformed JSON.
  add('truncated JSON', '{"items":[{"sku":"KB-001","quantity":1}');
  add('a lone brace', '{');
  add('single-quoted JSON', "{'items':[{'sku':'KB-001','quantity':1}]}");
  add('JSON followed by garbage', `${VALID_QUOTE}garbage`);
  add('a bare word', 'nul');
  add('a NUL byte', '\u0000');
  add('invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
  add(
    'a number with a leading zero',
    item({ sku: 'KB-001', quantity: 1 }).replace('"quantity":1', '"quantity":01'),
  );

  // Wrong types and values.
  add('an array body', '[]');
  add('a null body', 'null');
  add('a string body', '"KB-001"');
  add('a number body', '42');
  add('a boolean body', 'true');
  add('an empty object', '{}');
  add('items null', '{"items":null}');
  add('items a string', '{"items":"KB-001"}');
  add('items an object', '{"items":{"sku":"KB-001","quantity":1}}');
  add('no items', '{"items":[]}');
  add('a null item', '{"items":[null]}');
  add('an item that is a string', '{"items":["KB-001"]}');
  add('a numeric sku', item({ sku: 1, quantity: 1 }));
  add('an empty sku', item({ sku: '', quantity: 1 }));
  add('a 65-character sku', item({ sku: 'S'.repeat(65), quantity: 1 }));
  add('a quantity as a string', item({ sku: 'KB-001', quantity: '1' }));
  add('a quantity of 0', item({ sku: 'KB-001', quantity: 0 }));
  add('a negative quantity', item({ sku: 'KB-001', quantity: -1 }));
  add('a fractional quantity', item({ sku: 'KB-001', quantity: 1.5 }));
  add('a quantity of 1001', item({ sku: 'KB-001', quantity: 1001 }));
  add(
    'a quantity of 1e400',
    item({ sku: 'KB-001', quantity: 1 }).replace('"quantity":1', '"quantity":1e400'),
  );
  add('a quantity of null', item({ sku: 'KB-001', quantity: null }));
  add('a missing quantity', item({ sku: 'KB-001' }));
  add('a missing sku', item({ quantity: 1 }));
  add('an unknown item field', item({ sku: 'KB-001', quantity: 1, priceCents: 1 }));
  add(
    'an unknown top-level field',
    JSON.stringify({ items: [{ sku: 'KB-001', quantity: 1 }], discountPercent: 50 }),
  );
  add(
    '101 items',
    JSON.stringify({ items: Array.from({ length: 101 }, (_, i) => ({ sku: `S-${i}`, quantity: 1 })) }),
  );
  add(
    'a duplicate sku',
    JSON.stringify({
      items: [
        { sku: 'KB-001', quantity: 1 },
        { sku: 'KB-001', quantity: 2 },
      ],
    }),
  );
  add('an unknown sku', item({ sku: 'NOPE-000', quantity: 1 }));
  add('a __proto__ key', `{"__proto__":${VALID_QUOTE}}`);
  add('a constructor.prototype key', '{"constructor":{"prototype":{"items":1}}}');
  add('an array nested 6000 deep (12 kb)', deeplyNested(6000));
  add(
    'an object nested 5000 deep (30 kb) beside valid items',
    `{"items":[{"sku":"KB-001","quantity":1}],"meta":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
  );

  // Oversized (> 32 kb), with and without a Content-Length.
  const oversized = JSON.stringify({ items: [{ sku: 'KB-001', quantity: 1 }], padding: 'x'.repeat(40_000) });
  add('a 40 kb body', oversized);
  add('a 40 kb chunked body', oversized, { ...JSON_HEADERS, 'Transfer-Encoding': 'chunked' });
  add(
    'a body just over 32 kb',
    JSON.stringify({ items: [{ sku: 'KB-001', quantity: 1 }], padding: 'x'.repeat(32_768) }),
  );
  add('a 1 MB body', JSON.stringify({ padding: 'x'.repeat(1 << 20) }));

  // Missing or empty bodies.
  add('no body and no content type', undefined, {});
  add('no body', undefined);
  add('an empty body', '');
  add('a whitespace body', '   \n');
  add('Content-Length 0', undefined, { ...JSON_HEADERS, 'Content-Length': '0' });

  // Wrong content types.
  add('valid JSON as text/plain', VALID_QUOTE, { 'Content-Type': 'text/plain' });
  add('a form', 'items=KB-001', { 'Content-Type': 'application/x-www-form-urlencoded' });
  add('multipart', '--x\r\nContent-Disposition: form-data; name="items"\r\n\r\nKB-001\r\n--x--\r\n', {
    'Content-Type': 'multipart/form-data; boundary=x',
  });
  add('XML', '<items><item sku="KB-001"/></items>', { 'Content-Type': 'application/xml' });
  add('a content type that is not a media type', VALID_QUOTE, { 'Content-Type': 'json' });
  add('valid JSON with no content type', VALID_QUOTE, {});
  // The media type is right and the bytes are plain UTF-8: reading them as such is fair, a 4xx too.
  add(
    'JSON with an unknown charset parameter',
    VALID_QUOTE,
    { 'Content-Type': 'application/json; charset=bogus' },
    { kind: 'no-server-error' },
  );
  return cases;
}

const BAD_USER_HEADERS: ReadonlyArray<readonly [string, string | readonly string[]]> = [
  ['X-User-Key', 'has space'],
  ['X-User-Key', 'k'.repeat(257)],
  ['X-User-Key', 'caf\u00e9'],
  ['X-User-Key', 'a;b'],
  ['X-User-Key', '<script>'],
  ['X-User-Key', ['user-a', 'user-b']],
  ['X-User-Plan', 'pro plan'],
  ['X-User-Plan', 'p'.repeat(33)],
  ['X-User-Plan', 'pro!'],
  ['X-User-Plan', 'pr\u00f6'],
  ['X-User-Plan', ['pro', 'free']],
  ['X-User-Country', 'USA'],
  ['X-User-Country', 'U'],
  ['X-User-Country', '12'],
  ['X-User-Country', 'u$'],
  ['X-User-Country', 'd\u00e9'],
];

function headerCases(route: Route): BadInputCase[] {
  const cases: BadInputCase[] = BAD_USER_HEADERS.map(([name, value]) => ({
    service: route.service,
    path: route.path,
    what: `${route.method} with ${name}: ${JSON.stringify(value).slice(0, 40)}`,
    request: validRequest(route, { [name]: value }),
    // Health routes read no user header: a 2xx is right there.
    expect: route.userHeaders ? { kind: 'client-error', names: name } : { kind: 'success' },
  }));
  // An empty value is debatable (absent or malformed), but never a server error.
  for (const name of ['X-User-Key', 'X-User-Plan', 'X-User-Country']) {
    cases.push({
      service: route.service,
      path: route.path,
      what: `${route.method} with an empty ${name}`,
      request: validRequest(route, { [name]: '' }),
      expect: { kind: 'no-server-error' },
    });
  }
  return cases;
}

const BAD_REQUEST_IDS = [
  'has space',
  'x'.repeat(129),
  '<script>alert(1)</script>',
  'a/b',
  'caf\u00e9',
  'id;drop',
  '',
];

function requestIdCases(route: Route): BadInputCase[] {
  return BAD_REQUEST_IDS.map((id) => ({
    service: route.service,
    path: route.path,
    what: `${route.method} with X-Request-Id ${JSON.stringify(id).slice(0, 40)}`,
    request: validRequest(route, { 'X-Request-Id': id }),
    expect: { kind: 'replaced-request-id', sent: id },
  }));
}

const ODD_METHODS = ['PUT', 'DELETE', 'PATCH', 'PROPFIND', 'TRACE'] as const;

function methodCases(route: Route): BadInputCase[] {
  const cases: BadInputCase[] = ODD_METHODS.map((method) => ({
    service: route.service,
    path: route.path,
    what: `${method}`,
    request:
      method === 'PUT' || method === 'PATCH'
        ? { method, headers: JSON_HEADERS, body: VALID_QUOTE }
        : { method },
    expect: CLIENT_ERROR,
  }));
  cases.push({
    service: route.service,
    path: route.path,
    what: route.method === 'GET' ? 'POST' : 'GET',
    request:
      route.method === 'GET'
        ? { method: 'POST', headers: JSON_HEADERS, body: VALID_QUOTE }
        : { method: 'GET' },
    expect: CLIENT_ERROR,
  });
  cases.push({
    service: route.service,
    path: route.path,
    what: 'OPTIONS',
    request: { method: 'OPTIONS' },
    expect: { kind: 'success' },
  });
  return cases;
}

const BAD_LIMITS = [
  '0',
  '101',
  '1000',
  '-1',
  'abc',
  '1.5',
  '',
  '1e2',
  '0x10',
  '+5',
  '%205',
  '%',
  '99999999999999999999',
  '10&limit=20',
];
const UNKNOWN_SKUS = [
  'NOPE-000',
  'kb-001',
  'KB-001%20',
  'S'.repeat(2000),
  '%E0%A4%A',
  '%00',
  '..%2F..%2Fpackage.json',
  '%2e%2e',
];

function queryAndSkuCases(route: Route): BadInputCase[] {
  const cases: BadInputCase[] = [];
  if (route.limit) {
    for (const limit of BAD_LIMITS) {
      cases.push({
        service: route.service,
        path: `${route.path}?limit=${limit}`,
        what: `GET ?limit=${limit}`,
        request: { method: 'GET' },
        expect: CLIENT_ERROR,
      });
    }
  }
  if (route.skuPrefix !== undefined) {
    for (const sku of UNKNOWN_SKUS) {
      cases.push({
        service: route.service,
        path: `${route.skuPrefix}${sku}`,
        what: `GET unknown sku ${sku.slice(0, 40)}`,
        request: { method: 'GET' },
        expect: CLIENT_ERROR,
      });
    }
  }
  return cases;
}

const UNKNOWN_PATHS = [
  '/',
  '/nope',
  '/api',
  '/api/nope',
  '/api/products/KB-001/extra',
  '/products/KB-001/extra',
  '/quotes/1',
  '/livez/extra',
  '/%',
  '/%E0%A4%A',
  '/..%2F..%2Fetc%2Fpasswd',
  '/.env',
];

function unknownRouteCases(service: ServiceName): BadInputCase[] {
  return UNKNOWN_PATHS.flatMap((unknownPath): BadInputCase[] => [
    {
      service,
      path: unknownPath,
      what: 'GET unknown route',
      request: { method: 'GET' },
      expect: CLIENT_ERROR,
    },
    {
      service,
      path: unknownPath,
      what: 'POST unknown route',
      request: { method: 'POST', headers: JSON_HEADERS, body: VALID_QUOTE },
      expect: CLIENT_ERROR,
    },
  ]);
}

/** Everything wrong with one reply to one case, as readable lines (empty when it is right). */
function problemsWith(testCase: BadInputCase, reply: InstanceResponse): string[] {
  const { expect: expectation } = testCase;
  const problems: string[] = [];
  const { status } = reply;
  if (status >= 500 || status < 200) problems.push(`status ${status}`);
  if (STACK_TRACE.test(reply.text)) problems.push('a stack trace or internal path in the body');

  const isJsonError = (): boolean => {
    const body = reply.body as { error?: { code?: unknown; message?: unknown } } | null;
    return (
      /^application\/json/.test(reply.headers['content-type'] ?? '') &&
      body !== null &&
      typeof body === 'object' &&
      Object.keys(body).join() === 'error' &&
      typeof body.error === 'object' &&
      body.error !== null &&
      Object.keys(body.error).sort().join() === 'code,message' &&
      typeof body.error.code === 'string' &&
      body.error.code !== '' &&
      typeof body.error.message === 'string' &&
      body.error.message !== ''
    );
  };
  const is2xx = status >= 200 && status < 300;
  const is4xx = status >= 400 && status < 500;
  switch (expectation.kind) {
    case 'client-error':
      if (!is4xx) problems.push(`status ${status}, not a 4xx`);
      else if (!isJsonError()) problems.push('the body is not { error: { code, message } } JSON');
      else if (
        expectation.names !== undefined &&
        !(reply.body as { error: { message: string } }).error.message.includes(expectation.names)
      ) {
        problems.push(`the message does not name ${expectation.names}`);
      }
      break;
    case 'success':
      if (!is2xx) problems.push(`status ${status}, not a 2xx`);
      if (testCase.request.method === 'OPTIONS' && reply.headers.allow === undefined) {
        problems.push('OPTIONS without an Allow header');
      }
      break;
    case 'replaced-request-id': {
      if (!is2xx) problems.push(`status ${status}, not a 2xx`);
      const id = reply.headers['x-request-id'];
      if (typeof id !== 'string' || !SANE_REQUEST_ID.test(id) || id === expectation.sent) {
        problems.push(`X-Request-Id ${JSON.stringify(id)} was not replaced by a sane one`);
      }
      break;
    }
    case 'no-server-error':
      if (!is2xx && !(is4xx && isJsonError()))
        problems.push(`status ${status}, neither a 2xx nor a JSON 4xx`);
      break;
  }
  return problems.map(
    (problem) =>
      `${testCase.service} ${testCase.path.slice(0, 60)} (${testCase.what}) on ${reply.servedBy}: ${problem}; ` +
      `got ${status} ${reply.text.slice(0, 160)}`,
  );
}

describe('bad input to every endpoint of every service (fleet in local file mode)', () => {
  let fleet: Fleet | undefined;
  let repliesSeen = 0;

  beforeAll(async () => {
    fleet = await startFleet({ instances: INSTANCES });
  }, 90_000);

  afterAll(async () => {
    await fleet?.destroy();
  }, 30_000);

  /** Sends every case to every instance of its service; resolves with every problem found. */
  async function problemsFor(cases: readonly BadInputCase[]): Promise<string[]> {
    const problems: string[] = [];
    for (const testCase of cases) {
      await replyFromEachInstanceTo(
        fleet!.url(testCase.service, testCase.path),
        INSTANCES,
        testCase.request,
        {
          onReply: (reply) => {
            repliesSeen += 1;
            problems.push(...problemsWith(testCase, reply));
          },
        },
      );
    }
    return problems;
  }

  it(
    'malformed JSON, wrong types, oversized, missing or empty bodies and wrong content types get a 4xx JSON error from every POST route',
    async () => {
      const cases = ROUTES.filter((route) => route.method === 'POST').flatMap(bodyCases);
      expect(new Set(cases.map((testCase) => testCase.service))).toEqual(new Set(['gateway', 'pricing']));
      expect(await problemsFor(cases)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'bad X-User-Key, X-User-Plan and X-User-Country headers get a 400 naming the header on every route that reads them (health routes ignore them)',
    async () => {
      expect(await problemsFor(ROUTES.flatMap(headerCases))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a bad X-Request-Id is replaced by a sane one, not rejected, on every route; a sane one is kept',
    async () => {
      expect(await problemsFor(ROUTES.flatMap(requestIdCases))).toEqual([]);
      for (const route of ROUTES) {
        const replies = await replyFromEachInstanceTo(
          fleet!.url(route.service, route.path),
          INSTANCES,
          validRequest(route, { 'X-Request-Id': 'e2e-sane.id:1' }),
        );
        for (const reply of replies.values()) {
          expect({ route: route.path, status: reply.status, id: reply.headers['x-request-id'] }).toEqual({
            route: route.path,
            status: 200,
            id: 'e2e-sane.id:1',
          });
        }
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'unknown routes get a 4xx JSON error from every service',
    async () => {
      expect(await problemsFor(SERVICES.flatMap(unknownRouteCases))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'PUT, DELETE, PATCH, PROPFIND, TRACE and the wrong one of GET/POST on existing routes get a 4xx JSON error; OPTIONS is a 2xx',
    async () => {
      expect(await problemsFor(ROUTES.flatMap(methodCases))).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'bad ?limit values and unknown skus get a 4xx JSON error, directly and through the gateway',
    async () => {
      const cases = ROUTES.flatMap(queryAndSkuCases);
      expect(new Set(cases.map((testCase) => testCase.service))).toEqual(new Set(['gateway', 'catalog']));
      expect(await problemsFor(cases)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'afterwards every instance is still online with restart_time 0, and none logged a crash or a failed request',
    async () => {
      expect(repliesSeen).toBeGreaterThan(1000);
      await expectEveryInstanceOnlineWithoutRestarts(fleet!);
      const lines = [...(await fleet!.outLines()).values()].flat();
      expect(lines.filter((line) => /Crashed|Request failed|uncaught|unhandled/i.test(line))).toEqual([]);
      for (const service of SERVICES) {
        const ready = await replyFromEachInstance(fleet!.url(service, '/readyz'), INSTANCES);
        expect([...ready.values()].map((reply) => reply.status)).toEqual([200, 200]);
      }
    },
    TEST_TIMEOUT_MS,
  );
});
