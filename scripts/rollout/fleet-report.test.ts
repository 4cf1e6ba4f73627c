import { fleetInstance } from '../../test/support/fleet-instances';
import type { FleetInstance } from './fleet-instance';
import { buildOf, fleetReport } from './fleet-report';

function instance(service: FleetInstance['service'], pmId: number, pid: number): FleetInstance {
  return fleetInstance({ service, pmId, pid, restarts: 1, instanceVar: String(pmId) });
}

describe('buildOf', () => {
  const now = instance('catalog', 1, 200);

  it('tells checked, failed, untouched and PM2-restarted instances apart', () => {
    expect(buildOf(now, 100, { pmId: 1, ok: true })).toBe('NEW build (checked)');
    expect(buildOf(now, 100, { pmId: 1, ok: false, problem: 'it crashes' })).toBe(
      'NEW build, FAILED its check: it crashes',
    );
    expect(buildOf(now, 200, { pmId: 1, ok: false, problem: 'pm2 reload failed: busy' })).toBe(
      'OLD build (its reload failed: pm2 reload failed: busy)',
    );
    expect(buildOf(now, 200, undefined)).toBe('OLD build (not reloaded)');
    expect(buildOf(now, 100, undefined)).toMatch(/^restarted by PM2 outside the rollout/);
  });

  it('tells an instance left alone because its build did not change from one not reached', () => {
    expect(buildOf(now, 200, undefined, true)).toBe('UNCHANGED: already runs this build (not reloaded)');
    expect(buildOf(now, 100, undefined, true)).toMatch(/^restarted by PM2 outside the rollout/);
  });
});

describe('fleetReport', () => {
  it('lists every instance by service and pm_id, and instances that disappeared', () => {
    const lines = fleetReport(
      [
        instance('pricing', 4, 400),
        instance('catalog', 3, 333),
        instance('catalog', 1, 111),
        instance('gateway', 0, 10),
      ],
      new Map([
        [0, 10],
        [1, 100],
        [3, 300],
        [4, 400],
        [5, 500],
      ]),
      [
        { pmId: 1, ok: true },
        { pmId: 3, ok: false, problem: 'it crashes' },
      ],
      new Set(['gateway'] as const),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}catalog +pm_id 1 +pid 111 +online +restarts 1 +NEW build \(checked\)$/),
      expect.stringMatching(/^ {2}catalog +pm_id 3 +pid 333 .*NEW build, FAILED its check: it crashes$/),
      expect.stringMatching(/^ {2}gateway +pm_id 0 +pid 10 .*UNCHANGED: already runs this build/),
      expect.stringMatching(/^ {2}pricing +pm_id 4 +pid 400 .*OLD build \(not reloaded\)$/),
      "  pm_id 5 is no longer in PM2's list",
    ]);
  });
});
