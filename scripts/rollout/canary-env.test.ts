import { canaryEnv } from './canary-env';

describe('canaryEnv', () => {
  it("is the instance's environment extended by the rollout's, on its own port, marked as the canary", () => {
    const env = canaryEnv(
      'catalog',
      {
        LAUNCHDARKLY_SDK_KEY: 'sdk-old',
        CATALOG_PORT: '3001',
        NODE_APP_INSTANCE: '1',
        NODE_ENV: 'production',
      },
      { LAUNCHDARKLY_SDK_KEY: 'sdk-new', UNSET: undefined },
      45_678,
      45_679,
    );
    expect(env).toEqual({
      LAUNCHDARKLY_SDK_KEY: 'sdk-new',
      CATALOG_PORT: '45678',
      CATALOG_METRICS_PORT: '45679',
      NODE_APP_INSTANCE: 'canary',
      NODE_ENV: 'production',
    });
  });

  it("moves only the service's own port", () => {
    const env = canaryEnv('gateway', { CATALOG_PORT: '3001', GATEWAY_PORT: '3000' }, {}, 40_000, 40_001);
    expect(env).toMatchObject({ CATALOG_PORT: '3001', GATEWAY_PORT: '40000', GATEWAY_METRICS_PORT: '40001' });
  });
});
