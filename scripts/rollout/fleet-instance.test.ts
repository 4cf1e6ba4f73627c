import { fleet } from '../../services/fleet';
import { reloadOrder, servedByOf, toFleetInstance, type FleetInstance } from './fleet-instance';

function listed(name: string, pmId: number, extra: Record<string, unknown> = {}): unknown {
  return {
    name,
    pm_id: pmId,
    pid: 1000 + pmId,
    pm2_env: {
      status: 'online',
      restart_time: 2,
      NODE_APP_INSTANCE: 1,
      pm_exec_path: `/app/dist/services/${name}/main.js`,
      pm_cwd: '/app',
      node_args: ['--enable-source-maps'],
      listen_timeout: 10_000,
      CATALOG_PORT: '3001',
      LOG_LEVEL: 'debug',
      env: { CATALOG_PORT: '3001', FLEET_INSTANCES: 2, nested: { ignored: true } },
      ...extra,
    },
  };
}

const SERVICES = fleet.map((service) => service.name);

describe('toFleetInstance', () => {
  it("reads what the rollout needs from PM2's list", () => {
    expect(toFleetInstance(listed('catalog', 3), SERVICES)).toEqual({
      service: 'catalog',
      pmId: 3,
      pid: 1003,
      status: 'online',
      restarts: 2,
      instanceVar: '1',
      script: '/app/dist/services/catalog/main.js',
      cwd: '/app',
      nodeArgs: ['--enable-source-maps'],
      workerEnv: expect.objectContaining({
        CATALOG_PORT: '3001',
        LOG_LEVEL: 'debug',
        NODE_APP_INSTANCE: '1',
      }),
      listenTimeoutMs: 10_000,
    });
  });

  it('ignores processes that are not fleet services', () => {
    expect(toFleetInstance(listed('pm2-logrotate', 7), SERVICES)).toBeUndefined();
    expect(toFleetInstance({ name: 'catalog' }, SERVICES)).toBeUndefined();
    expect(toFleetInstance(null, SERVICES)).toBeUndefined();
  });

  it('takes a stopped process (no pid) as pid 0', () => {
    const raw = listed('pricing', 4) as { pid?: number };
    delete raw.pid;
    expect(toFleetInstance(raw, SERVICES)?.pid).toBe(0);
  });
});

describe('reloadOrder and servedByOf', () => {
  it('puts catalog, then pricing, then gateway, each by pm_id', () => {
    const instances = [
      listed('gateway', 0),
      listed('catalog', 3),
      listed('pricing', 5),
      listed('catalog', 1),
      listed('gateway', 2),
      listed('pricing', 4),
    ].map((raw) => toFleetInstance(raw, SERVICES) as FleetInstance);
    expect(reloadOrder(instances, fleet).map((i) => `${i.service}:${i.pmId}`)).toEqual([
      'catalog:1',
      'catalog:3',
      'pricing:4',
      'pricing:5',
      'gateway:0',
      'gateway:2',
    ]);
    expect(servedByOf(instances[0]!)).toBe('gateway#1');
  });
});
