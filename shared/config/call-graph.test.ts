import { callerLevels, callersOf, stopOrder, type CallGraph } from './call-graph';

type Name = 'edge' | 'orders' | 'stock' | 'audit';
const graph: CallGraph<Name> = {
  edge: ['orders', 'stock'],
  orders: ['stock', 'audit'],
  stock: [],
  audit: [],
};

describe('call graph', () => {
  it('finds the callers of a service', () => {
    expect(callersOf(graph, 'stock').sort()).toEqual(['edge', 'orders']);
    expect(callersOf(graph, 'edge')).toEqual([]);
  });

  it('counts the levels of callers above a service along its longest chain', () => {
    expect(callerLevels(graph, 'edge')).toBe(0);
    expect(callerLevels(graph, 'orders')).toBe(1);
    expect(callerLevels(graph, 'stock')).toBe(2);
    expect(callerLevels(graph, 'audit')).toBe(2);
  });

  it('stops callers before the services they call, services of one level together', () => {
    expect(stopOrder(graph)).toEqual([['edge'], ['orders'], ['stock', 'audit']]);
  });

  it('refuses a cycle, naming it', () => {
    const cyclic: CallGraph<'a' | 'b'> = { a: ['b'], b: ['a'] };
    expect(() => stopOrder(cyclic)).toThrow(/cycle: a → b → a|cycle: b → a → b/);
  });
});
