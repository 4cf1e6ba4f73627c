import { randomUUID } from 'node:crypto';

import { useFleetWithDouble } from '../support/fleet-fixture';
import { syncAccessLogs } from '../support/fleet-logs';
import {
  replyFromEachInstance,
  replyFromEachInstanceTo,
  waitForEveryInstance,
  type InstanceMatch,
  type InstanceReply,
  type InstanceRequest,
  type InstanceResponse,
} from '../support/instance-sampler';
import {
  booleanFlag,
  numberFlag,
  withFallthrough,
  withRule,
  withTargets,
} from '../support/launchdarkly-double';

const INSTANCES = 2;
/** How long to keep looking before reporting which instances never changed (diagnostics only). */
const GIVE_UP_MS = 10_000;
/** Each test: well above GIVE_UP_MS, so a missed change fails with its own message, not a timeout. */
const TEST_TIMEOUT_MS = 30_000;

const QUOTE_BODY = JSON.stringify({ items: [{ sku: 'KB-001', quantity: 2 }] });

function quoteRequest(plan: string): InstanceRequest {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-User-Plan': plan },
    body: QUOTE_BODY,
  };
}

function sortOf(reply: InstanceReply): unknown {
  return reply.status === 200 ? (reply.body as { sort?: unknown }).sort : undefined;
}

function discountOf(reply: InstanceReply): unknown {
  return reply.status === 200 ? (reply.body as { discountPercent?: unknown }).discountPercent : undefined;
}

function valuesByInstance<T>(
  replies: ReadonlyMap<string, InstanceReply>,
  read: (reply: InstanceReply) => T,
): Record<string, T> {
  return Object.fromEntries([...replies].map(([servedBy, reply]) => [servedBy, read(reply)]));
}

/** The slowest instance's delay, and which instances answered, for one readable expectation. */
function propagation(matches: ReadonlyMap<string, InstanceMatch>): {
  instances: string[];
  slowestMs: number;
} {
  return {
    instances: [...matches.keys()].sort(),
    slowestMs: Math.max(...[...matches.values()].map((match) => match.afterMs)),
  };
}

function labels(service: string): string[] {
  return Array.from({ length: INSTANCES }, (_, index) => `${service}#${index}`);
}

/**
 * Waits until every instance behind `directUrl` (of `service`) and every gateway instance behind
 * `gatewayUrl` answer as `isExpected`. How fast is a benchmark's business (`npm run bench`,
 * propagation): here it must only happen, within GIVE_UP_MS. Returns the direct replies.
 */
async function expectEveryInstanceToServe(
  since: number,
  service: string,
  directUrl: string,
  gatewayUrl: string,
  request: InstanceRequest,
  isExpected: (reply: InstanceResponse) => boolean,
): Promise<ReadonlyMap<string, InstanceMatch>> {
  const [direct, viaGateway] = await Promise.all([
    waitForEveryInstance(directUrl, INSTANCES, request, isExpected, { since, timeoutMs: GIVE_UP_MS }),
    waitForEveryInstance(gatewayUrl, INSTANCES, request, isExpected, { since, timeoutMs: GIVE_UP_MS }),
  ]);
  expect(propagation(direct)).toEqual({ instances: labels(service), slowestMs: expect.any(Number) });
  expect(propagation(viaGateway)).toEqual({ instances: labels('gateway'), slowestMs: expect.any(Number) });
  return direct;
}

describe('flag changes reach every instance (fleet streaming from the LaunchDarkly double)', () => {
  const fixture = useFleetWithDouble({ instances: INSTANCES, untilEveryInstanceHasFlags: true });

  it(
    'a catalog-sort change (patch) is served by every catalog instance, and through the gateway',
    async () => {
      const listUrl = fixture.fleet.url('catalog', '/products?limit=3');
      const gatewayUrl = fixture.fleet.url('gateway', '/api/products?limit=3');
      const before = await replyFromEachInstance(listUrl, INSTANCES);
      expect(valuesByInstance(before, sortOf)).toEqual({ 'catalog#0': 'newest', 'catalog#1': 'newest' });

      const since = Date.now();
      fixture.double.setFlag(withFallthrough(fixture.double.flag('catalog-sort')!, 1));
      const isPriceAsc = (reply: InstanceResponse): boolean => sortOf(reply) === 'price-asc';
      const direct = await expectEveryInstanceToServe(since, 'catalog', listUrl, gatewayUrl, {}, isPriceAsc);
      // The new value is the real order, not just a label.
      for (const { reply } of direct.values()) {
        const prices = (reply.body as { items: Array<{ priceCents: number }> }).items.map(
          (item) => item.priceCents,
        );
        expect(prices).toEqual([...prices].sort((a, b) => a - b));
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a targeting-rule change (plan pro gets another discount) is served by every pricing instance, and through the gateway',
    async () => {
      const quoteUrl = fixture.fleet.url('pricing', '/quotes');
      const gatewayUrl = fixture.fleet.url('gateway', '/api/quotes');
      const before = await replyFromEachInstanceTo(quoteUrl, INSTANCES, quoteRequest('pro'));
      expect(valuesByInstance(before, discountOf)).toEqual({ 'pricing#0': 10, 'pricing#1': 10 });

      const pro = { attribute: 'plan', op: 'in', values: ['pro'] } as const;
      const enterprise = { attribute: 'plan', op: 'in', values: ['enterprise'] } as const;
      // Same flag, same fallthrough (5) and enterprise rule (20); the pro rule now serves 20 instead of 10.
      const since = Date.now();
      fixture.double.setFlag(
        withRule(withRule(numberFlag('pricing-discount-percent', [0, 5, 10, 20], 1), pro, 3), enterprise, 3),
      );
      const isTwenty = (reply: InstanceResponse): boolean => discountOf(reply) === 20;
      const direct = await expectEveryInstanceToServe(
        since,
        'pricing',
        quoteUrl,
        gatewayUrl,
        quoteRequest('pro'),
        isTwenty,
      );
      for (const { reply } of direct.values()) {
        expect(reply.body).toMatchObject({ subtotalCents: 25800, discountPercent: 20, discountCents: 5160 });
      }
      // Only the pro rule changed: other plans keep their discount on every instance.
      const free = await replyFromEachInstanceTo(quoteUrl, INSTANCES, quoteRequest('free'));
      expect(valuesByInstance(free, discountOf)).toEqual({ 'pricing#0': 5, 'pricing#1': 5 });
      const enterprisePlan = await replyFromEachInstanceTo(quoteUrl, INSTANCES, quoteRequest('enterprise'));
      expect(valuesByInstance(enterprisePlan, discountOf)).toEqual({ 'pricing#0': 20, 'pricing#1': 20 });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'deleting catalog-sort makes every catalog instance, and the gateway, serve the fallback "featured"',
    async () => {
      const listUrl = fixture.fleet.url('catalog', '/products?limit=3');
      const gatewayUrl = fixture.fleet.url('gateway', '/api/products?limit=3');
      const before = await replyFromEachInstance(listUrl, INSTANCES);
      for (const reply of before.values()) {
        expect(['newest', 'price-asc']).toContain(sortOf(reply));
      }

      const since = Date.now();
      fixture.double.deleteFlag('catalog-sort');
      const isFeatured = (reply: InstanceResponse): boolean => sortOf(reply) === 'featured';
      await expectEveryInstanceToServe(since, 'catalog', listUrl, gatewayUrl, {}, isFeatured);
      // The flag is gone for every context, not just the anonymous one: the free-plan rule went with it.
      const free = await replyFromEachInstance(listUrl, INSTANCES, { 'X-User-Plan': 'free' });
      expect(valuesByInstance(free, sortOf)).toEqual({ 'catalog#0': 'featured', 'catalog#1': 'featured' });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('the maintenance-mode kill switch (fleet streaming from the LaunchDarkly double, access logs on)', () => {
  const fixture = useFleetWithDouble({
    instances: INSTANCES,
    env: { LOG_LEVEL: 'http' },
    untilEveryInstanceHasFlags: true,
  });
  const PRODUCTS_LINE = / GET \/products \d{3}(?: |$)/;

  /** Catalog's access lines for `GET /products`, across its instances (after syncing the logs). */
  async function catalogProductsLines(): Promise<string[]> {
    const byInstance = await syncAccessLogs(fixture.fleet, 'catalog', INSTANCES);
    return [...byInstance.values()].flat().filter((line) => PRODUCTS_LINE.test(line));
  }

  /** Sends `count` requests (at least one to each gateway instance) and returns every reply. */
  async function gatewayReplies(
    pathAndQuery: string,
    request: InstanceRequest,
    count = 4 * INSTANCES,
  ): Promise<InstanceResponse[]> {
    const replies: InstanceResponse[] = [];
    const url = fixture.fleet.url('gateway', pathAndQuery);
    await replyFromEachInstanceTo(url, INSTANCES, request, { onReply: (reply) => replies.push(reply) });
    while (replies.length < count) {
      await replyFromEachInstanceTo(url, 1, request, { onReply: (reply) => replies.push(reply) });
    }
    return replies;
  }

  function expectMaintenance(replies: readonly InstanceResponse[]): void {
    expect(new Set(replies.map((reply) => reply.servedBy))).toEqual(new Set(labels('gateway')));
    for (const reply of replies) {
      expect({ servedBy: reply.servedBy, status: reply.status, body: reply.body }).toEqual({
        servedBy: reply.servedBy,
        status: 503,
        body: { error: { code: 'maintenance', message: expect.any(String) } },
      });
      expect(reply.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
    }
  }

  function expectServed(replies: readonly InstanceResponse[]): void {
    expect(new Set(replies.map((reply) => reply.servedBy))).toEqual(new Set(labels('gateway')));
    for (const reply of replies) {
      expect({ servedBy: reply.servedBy, status: reply.status }).toEqual({
        servedBy: reply.servedBy,
        status: 200,
      });
      expect((reply.body as { items: unknown[] }).items.length).toBeGreaterThan(0);
    }
  }

  it(
    'turned on, makes every gateway instance answer /api/products with 503, Retry-After and code "maintenance", without calling catalog',
    async () => {
      // Control: with the switch off, a gateway request shows up in catalog's access log under its id.
      const controlId = `control-${randomUUID()}`;
      expectServed(await gatewayReplies('/api/products?limit=2', { headers: { 'X-Request-Id': controlId } }));
      expect(
        (await catalogProductsLines()).filter((line) => line.includes(`[${controlId}]`)).length,
      ).toBeGreaterThan(0);

      fixture.double.setFlag(booleanFlag('maintenance-mode', true));
      const productsUrl = fixture.fleet.url('gateway', '/api/products?limit=2');
      await waitForEveryInstance(productsUrl, INSTANCES, {}, (reply) => reply.status === 503, {
        timeoutMs: GIVE_UP_MS,
      });
      const catalogLinesBefore = await catalogProductsLines();

      const maintenanceId = `maintenance-${randomUUID()}`;
      const replies = await gatewayReplies('/api/products?limit=2', {
        headers: { 'X-Request-Id': maintenanceId, 'X-User-Key': 'someone' },
      });
      expectMaintenance(replies);
      // The rest of /api/* is switched off as well.
      expectMaintenance(await gatewayReplies('/api/products/KB-001', {}, INSTANCES));
      expectMaintenance(await gatewayReplies('/api/quotes', quoteRequest('pro'), INSTANCES));

      // Catalog saw no /products request at all meanwhile, while the gateway logged every 503.
      expect(await catalogProductsLines()).toEqual(catalogLinesBefore);
      const gatewayLines = [...(await syncAccessLogs(fixture.fleet, 'gateway', INSTANCES)).values()].flat();
      expect(
        gatewayLines.filter((line) => line.includes(`[${maintenanceId}] GET /api/products 503`)),
      ).toHaveLength(replies.length);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'targeted at one X-User-Key, answers only that user with 503 (catalog never called for them); other users are still served',
    async () => {
      const blocked = 'blocked-user';
      fixture.double.setFlag(withTargets(booleanFlag('maintenance-mode', false), [blocked], 1));
      const productsUrl = fixture.fleet.url('gateway', '/api/products?limit=2');
      // The targeted flag is in everywhere once other users are served again by every gateway instance.
      await waitForEveryInstance(
        productsUrl,
        INSTANCES,
        { headers: { 'X-User-Key': 'other-user' } },
        (reply) => reply.status === 200,
        {
          timeoutMs: GIVE_UP_MS,
        },
      );

      const blockedId = `blocked-${randomUUID()}`;
      const otherId = `other-${randomUUID()}`;
      const anonymousId = `anonymous-${randomUUID()}`;
      expectMaintenance(
        await gatewayReplies('/api/products?limit=2', {
          headers: { 'X-User-Key': blocked, 'X-Request-Id': blockedId },
        }),
      );
      expectServed(
        await gatewayReplies('/api/products?limit=2', {
          headers: { 'X-User-Key': 'other-user', 'X-Request-Id': otherId },
        }),
      );
      expectServed(
        await gatewayReplies('/api/products?limit=2', { headers: { 'X-Request-Id': anonymousId } }),
      );

      const catalogLines = await catalogProductsLines();
      expect(catalogLines.filter((line) => line.includes(`[${blockedId}]`))).toEqual([]);
      expect(catalogLines.filter((line) => line.includes(`[${otherId}]`)).length).toBeGreaterThan(0);
      expect(catalogLines.filter((line) => line.includes(`[${anonymousId}]`)).length).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'turned off, restores service on every gateway instance for everyone',
    async () => {
      fixture.double.setFlag(booleanFlag('maintenance-mode', false));
      const productsUrl = fixture.fleet.url('gateway', '/api/products?limit=2');
      await waitForEveryInstance(
        productsUrl,
        INSTANCES,
        { headers: { 'X-User-Key': 'blocked-user' } },
        (reply) => reply.status === 200,
        {
          timeoutMs: GIVE_UP_MS,
        },
      );

      const restoredId = `restored-${randomUUID()}`;
      const users: Record<string, string>[] = [
        { 'X-User-Key': 'blocked-user' },
        { 'X-User-Key': 'someone' },
        {},
      ];
      for (const headers of users) {
        expectServed(
          await gatewayReplies('/api/products?limit=2', {
            headers: { ...headers, 'X-Request-Id': restoredId },
          }),
        );
      }
      const item = await gatewayReplies('/api/products/KB-001', {}, INSTANCES);
      expect(item.map((reply) => reply.status)).toEqual(item.map(() => 200));
      const quotes = await gatewayReplies('/api/quotes', quoteRequest('pro'), INSTANCES);
      expect(quotes.map(discountOf)).toEqual(quotes.map(() => 10));
      // And the requests reach catalog again.
      expect(
        (await catalogProductsLines()).filter((line) => line.includes(`[${restoredId}]`)).length,
      ).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});
