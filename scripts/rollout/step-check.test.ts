import { fleetInstance } from '../../test/support/fleet-instances';
import type { FleetInstance } from './fleet-instance';
import { reloadProblem, settleProblem } from './step-check';

const base = fleetInstance({ pid: 100, instanceVar: '0' });
const as = (change: Partial<FleetInstance>): FleetInstance => ({ ...base, ...change });

describe('reloadProblem', () => {
  it('accepts a new pid, online, restarted exactly once', () => {
    expect(reloadProblem(base, as({ pid: 200, restarts: 1 }))).toBeUndefined();
  });

  it.each([
    [undefined, /gone from PM2's list/],
    [as({ pid: 200, restarts: 1, status: 'launching' }), /status is "launching"/],
    [as({ pid: 200, restarts: 3, status: 'errored' }), /status is "errored"/],
    [as({ restarts: 1 }), /still runs the old pid 100/],
    [as({ pid: 300, restarts: 3 }), /restarted it 2 more time\(s\).*crashes/],
    [as({ pid: 300, restarts: 0 }), /restart count did not go up/],
  ])('refuses %j', (after, problem) => {
    expect(reloadProblem(base, after)).toMatch(problem);
  });
});

describe('settleProblem', () => {
  const settled = as({ pid: 200, restarts: 1 });

  it('accepts an instance that stayed as it was', () => {
    expect(settleProblem(settled, settled, 3000)).toBeUndefined();
  });

  it.each([
    [undefined, /disappeared/],
    [as({ pid: 200, restarts: 1, status: 'stopped' }), /turned "stopped" within 3 s/],
    [
      as({ pid: 201, restarts: 2 }),
      /crashed and PM2 restarted it within 3 s of starting \(pid 200 → 201, restarts 1 → 2\)/,
    ],
  ])('refuses %j', (later, problem) => {
    expect(settleProblem(settled, later, 3000)).toMatch(problem);
  });
});
