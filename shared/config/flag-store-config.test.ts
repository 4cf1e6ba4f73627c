import { inspect } from 'node:util';

import { loadFlagStoreConfig } from './flag-store-config';
import { loadConfig } from './load-config';

const KEY = { LAUNCHDARKLY_SDK_KEY: 'sdk-1234' };

describe('loadFlagStoreConfig (LAUNCHDARKLY_REDIS_* and LAUNCHDARKLY_DAEMON_MODE)', () => {
  it('keeps flags in memory only when no Redis URL is set', () => {
    expect(loadFlagStoreConfig({}, true)).toEqual({ config: { kind: 'memory' } });
  });

  it('keeps the last known flags in Redis with the default prefix', () => {
    const { config } = loadFlagStoreConfig({ LAUNCHDARKLY_REDIS_URL: 'redis://127.0.0.1:6379' }, true);
    expect(config).toMatchObject({ kind: 'redis', use: 'last-known', prefix: 'launchdarkly' });
  });

  it('reads daemon mode with a prefix and cache TTL', () => {
    const { config } = loadFlagStoreConfig(
      {
        LAUNCHDARKLY_REDIS_URL: 'rediss://cache.internal:6380/2',
        LAUNCHDARKLY_REDIS_PREFIX: 'ld:prod',
        LAUNCHDARKLY_REDIS_CACHE_TTL_S: '5',
        LAUNCHDARKLY_DAEMON_MODE: 'true',
      },
      true,
    );
    expect(config).toMatchObject({ kind: 'redis', use: 'daemon', prefix: 'ld:prod', cacheTtlS: 5 });
  });

  it('defaults the daemon cache TTL to the SDK default, 30 s', () => {
    const { config } = loadFlagStoreConfig(
      { LAUNCHDARKLY_REDIS_URL: 'redis://r', LAUNCHDARKLY_DAEMON_MODE: 'true' },
      true,
    );
    expect(config).toMatchObject({ use: 'daemon', cacheTtlS: 30 });
  });

  it.each([
    [
      { LAUNCHDARKLY_REDIS_URL: 'http://127.0.0.1:6379' },
      'LAUNCHDARKLY_REDIS_URL: must be a redis:// or rediss:// URL',
    ],
    [{ LAUNCHDARKLY_REDIS_URL: 'not a url' }, 'LAUNCHDARKLY_REDIS_URL: must be a redis://'],
    [
      { LAUNCHDARKLY_REDIS_URL: 'redis://r', LAUNCHDARKLY_REDIS_PREFIX: 'has space' },
      'LAUNCHDARKLY_REDIS_PREFIX: must be',
    ],
    [
      { LAUNCHDARKLY_REDIS_URL: 'redis://r', LAUNCHDARKLY_DAEMON_MODE: 'yes' },
      'LAUNCHDARKLY_DAEMON_MODE: must be true or false',
    ],
    [
      {
        LAUNCHDARKLY_REDIS_URL: 'redis://r',
        LAUNCHDARKLY_DAEMON_MODE: 'true',
        LAUNCHDARKLY_REDIS_CACHE_TTL_S: '-1',
      },
      'LAUNCHDARKLY_REDIS_CACHE_TTL_S: must be a whole number',
    ],
    [
      { LAUNCHDARKLY_REDIS_URL: 'redis://r', LAUNCHDARKLY_REDIS_CACHE_TTL_S: '5' },
      'LAUNCHDARKLY_REDIS_CACHE_TTL_S: applies only with LAUNCHDARKLY_DAEMON_MODE=true',
    ],
    [{ LAUNCHDARKLY_REDIS_PREFIX: 'p' }, 'LAUNCHDARKLY_REDIS_PREFIX: needs LAUNCHDARKLY_REDIS_URL'],
    [{ LAUNCHDARKLY_DAEMON_MODE: 'true' }, 'LAUNCHDARKLY_DAEMON_MODE: needs LAUNCHDARKLY_REDIS_URL'],
  ])('refuses %j, naming the variable', (env, problem) => {
    const result = loadFlagStoreConfig(env, true);
    expect(result.problems).toEqual([expect.stringContaining(problem)]);
  });

  it('refuses a Redis URL with the local flag file (no SDK key)', () => {
    expect(loadFlagStoreConfig({ LAUNCHDARKLY_REDIS_URL: 'redis://r' }, false).problems).toEqual([
      expect.stringContaining('LAUNCHDARKLY_REDIS_URL: needs LAUNCHDARKLY_SDK_KEY'),
    ]);
  });

  it('never echoes the URL, which may hold a password, in a problem or in the config', () => {
    const url = 'redis://:hunter2-secret@127.0.0.1:6379';
    const bad = loadFlagStoreConfig({ LAUNCHDARKLY_REDIS_URL: url, LAUNCHDARKLY_REDIS_PREFIX: '!' }, true);
    expect(JSON.stringify(bad)).not.toContain('hunter2');
    const config = loadConfig({ ...KEY, LAUNCHDARKLY_REDIS_URL: url }, 'catalog');
    expect(JSON.stringify(config)).not.toContain('hunter2');
    expect(inspect(config, { depth: 10 })).not.toContain('hunter2');
  });

  it('is part of loadConfig: a bad value stops start-up with the other problems', () => {
    expect(() =>
      loadConfig({ ...KEY, LAUNCHDARKLY_REDIS_URL: 'http://x', CATALOG_PORT: '0' }, 'catalog'),
    ).toThrow(/LAUNCHDARKLY_REDIS_URL: must be a redis:\/\/[\s\S]*CATALOG_PORT/);
    expect(loadConfig(KEY, 'catalog').flagStore).toEqual({ kind: 'memory' });
  });
});
