import { inspect } from 'node:util';

import { ConfigError, readConfig, type Env } from '../config';
import { flagConfig } from './flag-config';

const KEY = { LAUNCHDARKLY_SDK_KEY: 'sdk-1234' };

/** The flag client's config part, read as the runtime reads it. */
function read(env: Env) {
  return readConfig(env, { launchDarkly: flagConfig }).launchDarkly;
}

function storeOf(env: Env) {
  const config = read({ ...KEY, ...env });
  if (config.mode === 'file') throw new Error('expected a mode with an SDK key');
  return config.store;
}

function problemsOf(env: Env): string[] {
  try {
    read(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the flag store variables (LAUNCHDARKLY_REDIS_* and LAUNCHDARKLY_DAEMON_MODE, part of the flag config)', () => {
  it('keeps flags in memory only when no Redis URL is set; the local flag file has no store', () => {
    expect(storeOf({})).toEqual({ kind: 'memory' });
    expect(read({})).not.toHaveProperty('store');
  });

  it('keeps the last known flags in Redis with the default prefix, streaming or through a relay', () => {
    expect(storeOf({ LAUNCHDARKLY_REDIS_URL: 'redis://127.0.0.1:6379' })).toMatchObject({
      kind: 'redis',
      use: 'last-known',
      prefix: 'launchdarkly',
    });
    const relay = read({
      ...KEY,
      LAUNCHDARKLY_BASE_URI: 'http://relay:8030',
      LAUNCHDARKLY_STREAM_URI: 'http://relay:8030',
      LAUNCHDARKLY_EVENTS_URI: 'http://relay:8030',
      LAUNCHDARKLY_REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(relay).toMatchObject({ mode: 'relay', store: { kind: 'redis', use: 'last-known' } });
  });

  it('reads daemon mode with a prefix and cache TTL', () => {
    const store = storeOf({
      LAUNCHDARKLY_REDIS_URL: 'rediss://cache.internal:6380/2',
      LAUNCHDARKLY_REDIS_PREFIX: 'ld:prod',
      LAUNCHDARKLY_REDIS_CACHE_TTL_S: '5',
      LAUNCHDARKLY_DAEMON_MODE: 'true',
    });
    expect(store).toMatchObject({ kind: 'redis', use: 'daemon', prefix: 'ld:prod', cacheTtlS: 5 });
  });

  it('defaults the daemon cache TTL to the SDK default, 30 s', () => {
    expect(storeOf({ LAUNCHDARKLY_REDIS_URL: 'redis://r', LAUNCHDARKLY_DAEMON_MODE: 'true' })).toMatchObject({
      use: 'daemon',
      cacheTtlS: 30,
    });
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
    expect(problemsOf({ ...KEY, ...env })).toEqual([expect.stringContaining(problem)]);
  });

  it('refuses a Redis URL with the local flag file (no SDK key)', () => {
    expect(problemsOf({ LAUNCHDARKLY_REDIS_URL: 'redis://r' })).toEqual([
      expect.stringContaining('LAUNCHDARKLY_REDIS_URL: needs LAUNCHDARKLY_SDK_KEY'),
    ]);
  });

  it('never echoes the URL, which may hold a password, in a problem or in the config', () => {
    const url = 'redis://:hunter2-secret@127.0.0.1:6379';
    expect(
      JSON.stringify(problemsOf({ ...KEY, LAUNCHDARKLY_REDIS_URL: url, LAUNCHDARKLY_REDIS_PREFIX: '!' })),
    ).not.toContain('hunter2');
    expect(JSON.stringify(problemsOf({ ...KEY, LAUNCHDARKLY_REDIS_URL: 'http://:hunter2@x' }))).not.toContain(
      'hunter2',
    );
    const config = read({ ...KEY, LAUNCHDARKLY_REDIS_URL: url });
    expect(JSON.stringify(config)).not.toContain('hunter2');
    expect(inspect(config, { depth: 10 })).not.toContain('hunter2');
    expect(config.mode !== 'file' && config.store.kind === 'redis' && config.store.url.reveal()).toBe(url);
  });
});
