import type { Pm2Process } from '../../shared/ops';
import { stopHost, type HostStopControl } from './stop-host';

function instance(name: string, pmId: number, status = 'online'): Pm2Process {
  return {
    name,
    pmId,
    pid: 1000 + pmId,
    status,
    restarts: 0,
    unstableRestarts: 0,
    startedAt: 0,
    memoryBytes: 0,
  };
}

function fakeControl(processes: Pm2Process[]) {
  const events: string[] = [];
  const control: HostStopControl = {
    list: async () => processes,
    leave: async (pmId) => {
      events.push(`leave ${pmId}`);
    },
    stop: async (pmId, remove) => {
      events.push(`${remove ? 'delete' : 'stop'} ${pmId} begins`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      events.push(`${remove ? 'delete' : 'stop'} ${pmId} done`);
    },
  };
  return { control, events };
}

describe('stopHost', () => {
  const order = [['gateway'], ['catalog', 'pricing']];
  const fleet = [
    instance('catalog', 0),
    instance('gateway', 1),
    instance('pricing', 2),
    instance('gateway', 3),
    instance('other-app', 4),
  ];

  it('first asks every instance to leave the balancer, then stops callers before the services they call', async () => {
    const { control, events } = fakeControl(fleet);
    expect(await stopHost(control, order, { remove: false }, () => undefined)).toBe(0);
    expect(events.slice(0, 4).sort()).toEqual(['leave 0', 'leave 1', 'leave 2', 'leave 3']);
    const firstCallee = Math.min(events.indexOf('stop 0 begins'), events.indexOf('stop 2 begins'));
    expect(events.indexOf('stop 1 done')).toBeLessThan(firstCallee);
    expect(events.indexOf('stop 3 done')).toBeLessThan(firstCallee);
    // Not one of the fleet's services: left alone.
    expect(events.some((event) => event.includes(' 4'))).toBe(false);
  });

  it('stops the instances of one group together', async () => {
    const { control, events } = fakeControl(fleet);
    await stopHost(control, order, { remove: true }, () => undefined);
    expect(events.indexOf('delete 3 begins')).toBeLessThan(events.indexOf('delete 1 done'));
  });

  it('does not ask a stopped instance to leave, and says when there is nothing to stop', async () => {
    const { control, events } = fakeControl([instance('gateway', 0, 'stopped')]);
    await stopHost(control, order, { remove: false }, () => undefined);
    expect(events).toEqual(['stop 0 begins', 'stop 0 done']);
    const lines: string[] = [];
    await stopHost(fakeControl([]).control, order, { remove: false }, (line) => lines.push(line));
    expect(lines).toEqual(['stop: no instance of the fleet under this PM2_HOME; nothing to stop']);
  });
});
