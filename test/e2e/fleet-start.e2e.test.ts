import { startFleet, type Fleet } from '../support/pm2-fleet';

const INSTANCES = 2;
const SERVICES = ['gateway', 'catalog', 'pricing'] as const;

describe('the fleet under real PM2 (cluster mode, private PM2_HOME, free ports)', () => {
  let fleet: Fleet | undefined;

  beforeAll(async () => {
    fleet = await startFleet({ instances: INSTANCES });
  }, 60_000);

  afterAll(async () => {
    await fleet?.destroy();
  }, 30_000);

  it('runs every service in cluster mode with every instance online and no restarts', async () => {
    const instances = await fleet!.list();
    for (const service of SERVICES) {
      const ofService = instances.filter((instance) => instance.name === service);
      expect(ofService).toHaveLength(INSTANCES);
      for (const instance of ofService) {
        expect(instance.pm2_env.status).toBe('online');
        expect(instance.pm2_env.restart_time).toBe(0);
        expect(instance.pid).toBeGreaterThan(0);
      }
    }
  });

  it('shows, in the pm2 logs, exactly one init line per instance, carrying that instance pid', async () => {
    const instances = await fleet!.list();
    const lines = await fleet!.outLines();
    for (const instance of instances) {
      const initLines = (lines.get(instance.pm_id) ?? []).filter((line) =>
        line.includes('LaunchDarkly client'),
      );
      expect(initLines).toHaveLength(1);
      expect(initLines[0]).toContain('LaunchDarkly client initialized');
      expect(initLines[0]).toContain(
        `${instance.name}#${String(instance.pm2_env.NODE_APP_INSTANCE)} pid=${instance.pid}`,
      );
      expect(initLines[0]).toMatch(/ mode=file ms=\d+ /);
    }
  });

  it('pm2 logs itself prints those lines', async () => {
    const output = await fleet!.pm2('logs', '--nostream', '--lines', '20', '--raw');
    const initLines = output.split('\n').filter((line) => line.includes('LaunchDarkly client initialized'));
    expect(initLines).toHaveLength(SERVICES.length * INSTANCES);
  });

  it('serves a request through the gateway, which calls catalog and pricing', async () => {
    const products = await fetch(fleet!.url('gateway', '/api/products?limit=3'), {
      headers: { 'X-User-Plan': 'free', 'X-Request-Id': 'e2e-products' },
    });
    expect(products.status).toBe(200);
    expect(products.headers.get('x-request-id')).toBe('e2e-products');
    const body = (await products.json()) as { items: Array<{ priceCents: number }>; sort: string };
    expect(body.sort).toBe('price-asc');
    expect(body.items).toHaveLength(3);
    expect(body.items.map((item) => item.priceCents)).toEqual(
      [...body.items.map((item) => item.priceCents)].sort((a, b) => a - b),
    );

    const quote = await fetch(fleet!.url('gateway', '/api/quotes'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-User-Plan': 'pro', 'X-User-Key': 'e2e-user' },
      body: JSON.stringify({ items: [{ sku: 'KB-001', quantity: 2 }] }),
    });
    expect(quote.status).toBe(200);
    expect(await quote.json()).toMatchObject({
      subtotalCents: 25800,
      discountPercent: 10,
      freeShipping: true,
      totalCents: 23220,
    });
  });

  it('every instance reports itself ready with flags initialised from the local file', async () => {
    for (const service of SERVICES) {
      const response = await fetch(fleet!.url(service, '/readyz'));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: 'serving',
        flags: { mode: 'file', initialized: true },
      });
    }
  });

  it('pm2 reload rolls every instance to a new pid, each old one exiting by itself after its shutdown lines', async () => {
    const before = await fleet!.list();
    await fleet!.pm2('reload', require.resolve('../../ecosystem.config.js'));
    const after = await fleet!.list();

    expect(after).toHaveLength(before.length);
    for (const instance of after) {
      expect(instance.pm2_env.status).toBe('online');
      expect(before.map((old) => old.pid)).not.toContain(instance.pid);
    }
    const lines = await fleet!.outLines();
    for (const old of before) {
      const own = (lines.get(old.pm_id) ?? []).filter((line) => line.includes(`pid=${old.pid} `));
      expect(own.map((line) => line.replace(/^.* pid=\d+ /, '').split(' ')[0])).toEqual(
        expect.arrayContaining(['Shutting', 'Connections', 'Flag', 'Shutdown']),
      );
    }
    expect(await fleet!.daemonLog()).not.toContain('SIGKILL');
  }, 60_000);
});
