import { fleet } from '../../services/fleet';
import { ecosystemEnv as blockOf } from './ecosystem-apps';
import { serviceVariables } from './service-config';

/** The env block of catalog's app. */
function ecosystemEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return blockOf(
    serviceVariables(
      fleet.find((service) => service.name === 'catalog')!,
      fleet,
    ),
    env,
  );
}

describe('ecosystemEnv', () => {
  it("carries every variable the service reads that the environment sets, and nothing else (not another service's)", () => {
    expect(
      ecosystemEnv({
        LOG_LEVEL: 'http',
        LAUNCHDARKLY_SDK_KEY_FILE: '/run/secrets/launchdarkly-sdk-key',
        CATALOG_PORT: '4001',
        GATEWAY_PORT: '4000',
        UPSTREAM_TIMEOUT_MS: '1000',
        PATH: '/usr/bin',
        HOME: '/home/fleet',
        PM2_HOME: '/tmp/pm2',
        UNSET: undefined,
      }),
    ).toEqual({
      LOG_LEVEL: 'http',
      LAUNCHDARKLY_SDK_KEY_FILE: '/run/secrets/launchdarkly-sdk-key',
      CATALOG_PORT: '4001',
    });
  });

  it('keeps an empty variable, so `LOG_LEVEL= pm2 reload ecosystem.config.js` puts it back to its default', () => {
    expect(ecosystemEnv({ LOG_LEVEL: '', LAUNCHDARKLY_SDK_KEY: '' })).toEqual({
      LOG_LEVEL: '',
      LAUNCHDARKLY_SDK_KEY: '',
    });
  });

  it("never carries NODE_APP_INSTANCE: PM2 numbers the instances, and one value in every instance's env would overwrite it", () => {
    expect(ecosystemEnv({ NODE_APP_INSTANCE: '3' })).toEqual({});
  });
});
