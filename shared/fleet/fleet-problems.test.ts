import { callOrder } from './call-order';
import { fleetProblems, serviceNameProblem, type PlannedService } from './fleet-problems';

/** A service of a made-up fleet: port 4000 + n, metrics 9000 + 100 n, 2 instances, no calls. */
function planned(name: string, n: number, fields: Partial<PlannedService> = {}): PlannedService {
  return {
    name,
    port: 4000 + n,
    portSource: 'its default',
    metricsPort: 9000 + 100 * n,
    metricsPortSource: 'its default',
    instances: 2,
    calls: [],
    ...fields,
  };
}

describe('fleetProblems', () => {
  it('finds nothing wrong with a fleet of distinct names, ports and metrics ranges whose calls all resolve', () => {
    expect(
      fleetProblems([
        planned('edge', 0, { calls: ['orders', 'stock'] }),
        planned('orders', 1),
        planned('stock', 2),
      ]),
    ).toEqual([]);
  });

  it('refuses an empty list', () => {
    expect(fleetProblems([])).toEqual(['fleet: the fleet list holds no service']);
  });

  it('refuses a name listed twice, naming it', () => {
    expect(fleetProblems([planned('orders', 0), planned('orders', 1)])).toEqual([
      'orders: listed twice in the fleet list',
    ]);
  });

  it('refuses a name that is not kebab-case', () => {
    expect(fleetProblems([planned('Orders_v2', 0)])).toEqual([
      expect.stringMatching(/^Orders_v2: the name must be kebab-case/),
    ]);
  });

  it('refuses two services on one port, naming the second, the variable and the first', () => {
    expect(
      fleetProblems([planned('orders', 0), planned('stock', 1, { port: 4000, portSource: 'STOCK_PORT' })]),
    ).toEqual(["stock: port 4000 (STOCK_PORT) is orders's port too; every service needs its own port"]);
  });

  it('refuses metrics ranges (base .. base + instances - 1) that overlap, hold a service port or run past 65535', () => {
    expect(
      fleetProblems([planned('orders', 0, { instances: 4 }), planned('stock', 1, { metricsPort: 9003 })]),
    ).toEqual([
      "stock: metrics ports 9003-9004 (its default) overlap orders's metrics ports 9000-9003 (its default)",
    ]);
    expect(fleetProblems([planned('orders', 0), planned('stock', 1, { metricsPort: 3999 })])).toEqual([
      "stock: metrics ports 3999-4000 (its default) include orders's port 4000 (its default)",
    ]);
    expect(fleetProblems([planned('orders', 0, { metricsPort: 65_535 })])).toEqual([
      'orders: metrics ports 65535-65536 (its default) for 2 instances run past port 65535',
    ]);
  });

  it('refuses a call to a service that is not in the list, naming the caller', () => {
    expect(fleetProblems([planned('edge', 0, { calls: ['orders'] })])).toEqual([
      'edge: calls orders, which is not in the fleet list',
    ]);
  });

  it('refuses calls that go round in a cycle, and a service that calls itself', () => {
    expect(
      fleetProblems([
        planned('edge', 0, { calls: ['orders'] }),
        planned('orders', 1, { calls: ['stock'] }),
        planned('stock', 2, { calls: ['edge'] }),
      ]),
    ).toEqual(['edge: its calls go round in a cycle: edge → orders → stock → edge']);
    expect(fleetProblems([planned('orders', 0, { calls: ['orders'] })])).toEqual(['orders: calls itself']);
  });
});

describe('serviceNameProblem', () => {
  it.each(['orders', 'order-history', 'v2-api'])('accepts %s', (name) => {
    expect(serviceNameProblem(name)).toBeUndefined();
  });

  it.each(['Orders', 'order_history', '-orders', 'orders-', 'order--history', '2fa', ''])(
    'refuses "%s"',
    (name) => {
      expect(serviceNameProblem(name)).toMatch(/kebab-case/);
    },
  );
});

describe('callOrder', () => {
  it('puts every service after the services it calls, otherwise in list order', () => {
    const order = callOrder([
      { name: 'edge', calls: ['orders', 'stock'] },
      { name: 'orders', calls: ['stock'] },
      { name: 'stock', calls: [] },
      { name: 'reports', calls: [] },
    ]).map((service) => service.name);
    expect(order).toEqual(['stock', 'orders', 'edge', 'reports']);
  });

  it('ignores calls to services not in the list, and ends on a cycle instead of looping', () => {
    expect(
      callOrder([
        { name: 'a', calls: ['b', 'elsewhere'] },
        { name: 'b', calls: ['a'] },
      ]).map((service) => service.name),
    ).toEqual(['b', 'a']);
  });
});
