import { fleet } from '../../services/fleet';
import { fleetInstance } from '../../test/support/fleet-instances';
import { toFleetInstance, type FleetInstance } from './fleet-instance';
import { portOf } from './reload-steps';

describe('portOf', () => {
  it("is the port the worker runs with, from the top-level pm2_env, after an ecosystem reload emptied PM2's env", () => {
    const catalog = toFleetInstance(
      {
        name: 'catalog',
        pm_id: 1,
        pm2_env: { status: 'online', CATALOG_PORT: '4001', env: { NODE_ENV: 'development' } },
      },
      ['catalog'],
    ) as FleetInstance;
    expect(portOf(catalog, fleet)).toBe(4001);
  });

  it("is the service's default port when the worker has no port variable, or an empty one", () => {
    expect(portOf(fleetInstance({ service: 'pricing', workerEnv: {} }), fleet)).toBe(3002);
    expect(portOf(fleetInstance({ service: 'pricing', workerEnv: { PRICING_PORT: ' ' } }), fleet)).toBe(3002);
  });
});
