import { callerLevels, callersOf, stopOrder } from './call-graph';

const services = [
  { name: 'edge', calls: ['orders', 'stock'] },
  { name: 'orders', calls: ['stock', 'audit'] },
  { name: 'stock', calls: [] },
  { name: 'audit', calls: [] },
];
const names = (list: readonly { name: string }[]) => list.map((service) => service.name);

describe('call graph', () => {
  it('finds the callers of a service', () => {
    expect(names(callersOf(services, 'stock'))).toEqual(['edge', 'orders']);
    expect(callersOf(services, 'edge')).toEqual([]);
  });

  it('counts the levels of callers above a service along its longest chain', () => {
    expect(callerLevels(services, 'edge')).toBe(0);
    expect(callerLevels(services, 'orders')).toBe(1);
    expect(callerLevels(services, 'stock')).toBe(2);
    expect(callerLevels(services, 'audit')).toBe(2);
  });

  it('stops callers before the services they call, services of one level together', () => {
    expect(stopOrder(services).map(names)).toEqual([['edge'], ['orders'], ['stock', 'audit']]);
  });

  it('refuses a cycle, naming it', () => {
    const cyclic = [
      { name: 'a', calls: ['b'] },
      { name: 'b', calls: ['a'] },
    ];
    expect(() => stopOrder(cyclic)).toThrow(/cycle: a → b → a|cycle: b → a → b/);
  });
});
