import type { FleetInstance } from '../../scripts/rollout/fleet-instance';

/** One online fleet instance as the rollout reads it from PM2, with whatever a test changes. */
export function fleetInstance(change: Partial<FleetInstance> = {}): FleetInstance {
  const service = change.service ?? 'catalog';
  const pmId = change.pmId ?? 1;
  return {
    service,
    pmId,
    pid: 100 + pmId,
    status: 'online',
    restarts: 0,
    instanceVar: '0',
    script: `/app/dist/services/${service}/main.js`,
    cwd: '/app',
    nodeArgs: [],
    workerEnv: {},
    listenTimeoutMs: 10_000,
    ...change,
  };
}
