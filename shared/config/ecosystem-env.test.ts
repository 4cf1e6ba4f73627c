import { ecosystemEnv } from './ecosystem-env';

describe('ecosystemEnv', () => {
  it('carries every configuration variable the environment sets, and nothing else', () => {
    expect(
      ecosystemEnv({
        LOG_LEVEL: 'http',
        LAUNCHDARKLY_SDK_KEY_FILE: '/run/secrets/launchdarkly-sdk-key',
        CATALOG_PORT: '4001',
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
