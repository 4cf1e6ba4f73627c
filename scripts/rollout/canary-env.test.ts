import { fleet } from '../../services/fleet';
import { serviceVariables } from '../../shared/runtime';
import { canaryEnv } from './canary-env';
import { toFleetInstance, type FleetInstance } from './fleet-instance';

/**
 * A catalog instance as `pm2 jlist` lists it after `pm2 reload ecosystem.config.js`: PM2's `env` holds
 * only the ecosystem's own block, while the top-level `pm2_env` fields, which the worker has in
 * `process.env`, keep what the fleet was started with, next to PM2's own fields.
 */
function reloadedFromEcosystem(): FleetInstance {
  return toFleetInstance(
    {
      name: 'catalog',
      pm_id: 3,
      pid: 1003,
      pm2_env: {
        status: 'online',
        pm_id: 3,
        restart_time: 1,
        NODE_APP_INSTANCE: 1,
        pm_exec_path: '/app/dist/services/catalog/main.js',
        pm_cwd: '/app',
        PATH: '/usr/bin',
        NODE_ENV: 'production',
        CATALOG_PORT: '4001',
        PRICING_PORT: '4002',
        LOG_LEVEL: 'http',
        LAUNCHDARKLY_SDK_KEY: 'sdk-old',
        env: { NODE_ENV: 'production' },
      },
    },
    SERVICES,
  )!;
}

const SERVICES = fleet.map((service) => service.name);

/** What the service of `template` reads, as the fleet list says. */
function variablesOf(service: string): readonly string[] {
  return serviceVariables(
    fleet.find((candidate) => candidate.name === service)!,
    fleet,
  );
}

describe('canaryEnv', () => {
  it("carries the configuration the worker runs with, from the top-level pm2_env, even after an ecosystem reload emptied PM2's env", () => {
    const env = canaryEnv(reloadedFromEcosystem(), variablesOf('catalog'), {}, 45_678, 45_679);
    expect(env).toMatchObject({ LOG_LEVEL: 'http', LAUNCHDARKLY_SDK_KEY: 'sdk-old' });
  });

  it("takes only the variables its service reads and NODE_ENV from the worker, none of PM2's own fields nor another service's variables", () => {
    const env = canaryEnv(reloadedFromEcosystem(), variablesOf('catalog'), { PATH: '/bin' }, 45_678, 45_679);
    expect(env).toEqual({
      PATH: '/bin',
      NODE_ENV: 'production',
      CATALOG_PORT: '45678',
      CATALOG_METRICS_PORT: '45679',
      LOG_LEVEL: 'http',
      LAUNCHDARKLY_SDK_KEY: 'sdk-old',
      NODE_APP_INSTANCE: 'canary',
    });
  });

  it("puts the rollout's variables over the worker's, an empty one included (empty means the default)", () => {
    const env = canaryEnv(
      reloadedFromEcosystem(),
      variablesOf('catalog'),
      {
        LAUNCHDARKLY_SDK_KEY: '',
        LAUNCHDARKLY_SDK_KEY_FILE: '/run/key',
        LOG_LEVEL: 'debug',
        UNSET: undefined,
      },
      45_678,
      45_679,
    );
    expect(env).toMatchObject({
      LAUNCHDARKLY_SDK_KEY: '',
      LAUNCHDARKLY_SDK_KEY_FILE: '/run/key',
      LOG_LEVEL: 'debug',
    });
    expect(env).not.toHaveProperty('UNSET');
  });

  it("moves only the service's own port, and marks the canary", () => {
    const gateway = { ...reloadedFromEcosystem(), service: 'gateway' as const };
    const env = canaryEnv(gateway, variablesOf('gateway'), { GATEWAY_PORT: '3000' }, 40_000, 40_001);
    expect(env).toMatchObject({
      CATALOG_PORT: '4001',
      GATEWAY_PORT: '40000',
      GATEWAY_METRICS_PORT: '40001',
      NODE_APP_INSTANCE: 'canary',
    });
  });
});
