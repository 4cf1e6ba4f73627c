import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';

import { fleet } from '../../services/fleet';
import { ConfigError } from '../config';
import { DEFAULT_FLAGS_FILE } from '../flags';
import { loadServiceConfig, serviceVariables } from './service-config';

type Service = 'gateway' | 'catalog' | 'pricing';

/** One instance's configuration of a demo service, as its runtime reads it. */
function loadConfig(env: Record<string, string>, service: Service) {
  return loadServiceConfig(
    env,
    fleet.find((candidate) => candidate.name === service)!,
    fleet,
  );
}

/** Which demo service reads a variable, to test it on. */
function readerOf(variable: string): Service {
  if (/^(GATEWAY_|UPSTREAM_|CATALOG_URL|PRICING_URL)/.test(variable)) return 'gateway';
  if (/^PRICING_/.test(variable)) return 'pricing';
  return 'catalog';
}

function problemsOf(env: Record<string, string>, service: Service = 'catalog'): string[] {
  try {
    loadConfig(env, service);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadServiceConfig', () => {
  it('with an empty environment, uses the local flag file and the documented defaults', () => {
    const config = loadConfig({}, 'catalog');
    expect(config.launchDarkly).toEqual({ mode: 'file', flagsFile: DEFAULT_FLAGS_FILE, initTimeoutS: 5 });
    expect(config.port).toBe(3001);
    expect(config.metricsPort).toBe(9200);
    expect(config.log).toEqual({ level: 'info', format: 'text' });
    const gateway = loadConfig({}, 'gateway');
    expect(gateway.port).toBe(3000);
    expect(gateway.metricsPort).toBe(9100);
    expect(gateway.upstreams).toEqual({ catalog: 'http://127.0.0.1:3001', pricing: 'http://127.0.0.1:3002' });
    expect(gateway.env).toEqual({ UPSTREAM_TIMEOUT_MS: 3000 });
    expect(loadConfig({}, 'pricing').port).toBe(3002);
  });

  it("derives a caller's upstream defaults from the called services' ports, and takes <NAME>_URL over them", () => {
    const gateway = loadConfig(
      { CATALOG_PORT: '4001', PRICING_URL: 'http://pricing.internal:80' },
      'gateway',
    );
    expect(gateway.upstreams).toEqual({
      catalog: 'http://127.0.0.1:4001',
      pricing: 'http://pricing.internal:80',
    });
  });

  it('gives a service only its own variables: catalog ignores a bad gateway-only variable', () => {
    expect(() => loadConfig({ UPSTREAM_TIMEOUT_MS: 'soon', GATEWAY_PORT: 'x' }, 'catalog')).not.toThrow();
    expect(problemsOf({ UPSTREAM_TIMEOUT_MS: 'soon' }, 'gateway')).toEqual([
      expect.stringMatching(/^UPSTREAM_TIMEOUT_MS: /),
    ]);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ GATEWAY_PORT: '', LAUNCHDARKLY_SDK_KEY: ' ' }, 'gateway').port).toBe(3000);
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({}, 'pricing');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.files)).toBe(true);
    expect(Object.isFrozen(config.launchDarkly)).toBe(true);
    expect(Object.isFrozen(config.timings)).toBe(true);
  });

  it('with an SDK key and no endpoints, streams from LaunchDarkly', () => {
    const config = loadConfig({ LAUNCHDARKLY_SDK_KEY: 'sdk-1234' }, 'catalog');
    expect(config.launchDarkly.mode).toBe('stream');
  });

  it('reads the flag store variables for every service, as part of the flag client config', () => {
    for (const manifest of fleet) {
      expect(serviceVariables(manifest, fleet)).toEqual(
        expect.arrayContaining([
          'LAUNCHDARKLY_REDIS_URL',
          'LAUNCHDARKLY_REDIS_PREFIX',
          'LAUNCHDARKLY_REDIS_CACHE_TTL_S',
          'LAUNCHDARKLY_DAEMON_MODE',
        ]),
      );
    }
    const config = loadConfig(
      { LAUNCHDARKLY_SDK_KEY: 'sdk-1', LAUNCHDARKLY_REDIS_URL: 'redis://127.0.0.1:6379' },
      'gateway',
    );
    expect(config.launchDarkly).toMatchObject({
      mode: 'stream',
      store: { kind: 'redis', use: 'last-known' },
    });
    expect(loadConfig({ LAUNCHDARKLY_SDK_KEY: 'sdk-1' }, 'catalog').launchDarkly).toMatchObject({
      store: { kind: 'memory' },
    });
  });

  it('with an SDK key and all three endpoints, uses them as a relay', () => {
    const config = loadConfig(
      {
        LAUNCHDARKLY_SDK_KEY: 'sdk-1234',
        LAUNCHDARKLY_BASE_URI: 'http://relay:8030',
        LAUNCHDARKLY_STREAM_URI: 'http://relay:8030',
        LAUNCHDARKLY_EVENTS_URI: 'http://relay:8030',
      },
      'catalog',
    );
    expect(config.launchDarkly).toMatchObject({
      mode: 'relay',
      endpoints: {
        baseUri: 'http://relay:8030',
        streamUri: 'http://relay:8030',
        eventsUri: 'http://relay:8030',
      },
    });
  });

  it('keeps listen_timeout above the flag init wait and kill_timeout above the whole shutdown', () => {
    const { timings } = loadConfig({ LAUNCHDARKLY_INIT_TIMEOUT_S: '60' }, 'catalog');
    expect(timings.listenTimeoutMs).toBeGreaterThan(60_000);
    expect(timings.killTimeoutMs).toBeGreaterThan(
      timings.drainTimeoutMs + timings.flagFlushTimeoutMs + timings.logFlushTimeoutMs,
    );
  });

  describe('on one host of several (BIND_ADDRESS, DRAIN_DELAY_MS)', () => {
    it('by default listens on every interface, with no drain delay and the same kill_timeout as before', () => {
      const config = loadConfig({}, 'gateway');
      expect(config.host).toEqual({ bindAddress: undefined, localAddress: '127.0.0.1', drainDelayMs: 0 });
      expect(config.timings.killTimeoutMs).toBe(16_000);
      expect(config.calleePorts).toEqual([3001, 3002]);
    });

    it.each([
      ['127.0.0.2', 'http://127.0.0.2:3001'],
      ['::1', 'http://[::1]:3001'],
      ['0.0.0.0', 'http://127.0.0.1:3001'],
    ])("BIND_ADDRESS=%s: the gateway calls this host's catalog at %s", (address, catalogUrl) => {
      const config = loadConfig({ BIND_ADDRESS: address }, 'gateway');
      expect(config.host.bindAddress).toBe(address);
      expect(config.upstreams.catalog).toBe(catalogUrl);
    });

    it("knows its callers' ports on this host: the catalog waits for the gateway's on a whole-host stop", () => {
      // The gateway's port and each of its instances' metrics ports (FLEET_INSTANCES, 2 by default).
      expect(loadConfig({}, 'catalog').callerPorts).toEqual([3000, 9100, 9101]);
      expect(loadConfig({ FLEET_INSTANCES: '3', GATEWAY_PORT: '4000' }, 'catalog').callerPorts).toEqual([
        4000, 9100, 9101, 9102,
      ]);
      expect(loadConfig({}, 'gateway').callerPorts).toEqual([]);
    });

    it('waits at start-up only for callees on this host, not for one reached through its own URL', () => {
      expect(loadConfig({ PRICING_URL: 'http://10.0.0.9:3002' }, 'gateway').calleePorts).toEqual([3001]);
    });

    it('keeps kill_timeout above the drain delay, the wait for every level of callers and its own shutdown', () => {
      const gateway = loadConfig({ DRAIN_DELAY_MS: '1500' }, 'gateway').timings;
      const catalog = loadConfig({ DRAIN_DELAY_MS: '1500' }, 'catalog').timings;
      const shutdown = (t: typeof gateway) =>
        t.drainTimeoutMs + t.serviceStepsBudgetMs + t.flagFlushTimeoutMs + t.logFlushTimeoutMs;
      expect(gateway.drainDelayMs).toBe(1500);
      expect(gateway.callerWaitTimeoutMs).toBe(0);
      expect(gateway.killTimeoutMs).toBeGreaterThan(1500 + shutdown(gateway));
      // The catalog may wait out the gateway's whole shutdown before its own.
      expect(catalog.callerWaitTimeoutMs).toBeGreaterThanOrEqual(
        gateway.killTimeoutMs - gateway.drainDelayMs,
      );
      expect(catalog.killTimeoutMs).toBeGreaterThan(1500 + catalog.callerWaitTimeoutMs + shutdown(catalog));
    });
  });

  describe('rejects bad values with a message that names the variable', () => {
    it.each([
      ['LAUNCHDARKLY_INIT_TIMEOUT_S', '0'],
      ['LAUNCHDARKLY_INIT_TIMEOUT_S', '61'],
      ['LAUNCHDARKLY_INIT_TIMEOUT_S', '2.5'],
      ['GATEWAY_PORT', '70000'],
      ['CATALOG_PORT', 'http'],
      ['PRICING_PORT', '0'],
      ['GATEWAY_METRICS_PORT', '65536'],
      ['CATALOG_METRICS_PORT', 'x'],
      ['NODE_APP_INSTANCE', 'Not a label!'],
      ['LOG_LEVEL', 'loud'],
      ['LOG_FORMAT', 'xml'],
      ['UPSTREAM_TIMEOUT_MS', '5'],
      ['UPSTREAM_TIMEOUT_MS', '9000'],
      ['CATALOG_URL', 'ftp://catalog'],
      ['PRICING_URL', 'http://pricing:3002/v1'],
      ['LAUNCHDARKLY_FLAGS_FILE', '/no/such/flags.json'],
      ['PRODUCTS_FILE', '/no/such/products.json'],
      ['BIND_ADDRESS', 'fleet-host-1'],
      ['BIND_ADDRESS', '127.0.0.300'],
      ['DRAIN_DELAY_MS', '-1'],
      ['DRAIN_DELAY_MS', '1.5'],
      ['DRAIN_DELAY_MS', '60001'],
    ])('%s=%s', (variable, value) => {
      const problems = problemsOf({ [variable]: value }, readerOf(variable));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${variable}: `));
    });

    it('a labelled instance outside PM2 (the rollout canary) takes its base metrics port as is', () => {
      const config = loadConfig({ NODE_APP_INSTANCE: 'canary', CATALOG_METRICS_PORT: '45001' }, 'catalog');
      expect(config.instance).toBe('canary');
      expect(config.metricsPort).toBe(45_001);
    });

    it("gives each instance its own metrics port: its service's base + NODE_APP_INSTANCE", () => {
      expect(loadConfig({ NODE_APP_INSTANCE: '1' }, 'catalog').metricsPort).toBe(9201);
      expect(
        loadConfig({ NODE_APP_INSTANCE: '3', GATEWAY_METRICS_PORT: '9500' }, 'gateway').metricsPort,
      ).toBe(9503);
    });

    it('reports every problem at once', () => {
      expect(problemsOf({ GATEWAY_PORT: 'x', LOG_LEVEL: 'loud' }, 'gateway')).toEqual([
        expect.stringMatching(/^LOG_LEVEL: /),
        expect.stringMatching(/^GATEWAY_PORT: /),
      ]);
    });

    it('stops start-up on a bad flag store variable, with the other problems', () => {
      expect(
        problemsOf({ LAUNCHDARKLY_SDK_KEY: 'sdk-1', LAUNCHDARKLY_REDIS_URL: 'http://x', CATALOG_PORT: '0' }),
      ).toEqual([
        expect.stringMatching(/^LAUNCHDARKLY_REDIS_URL: must be a redis:\/\//),
        expect.stringMatching(/^CATALOG_PORT: /),
      ]);
    });

    it('requires the three endpoints together', () => {
      const problems = problemsOf({
        LAUNCHDARKLY_SDK_KEY: 'sdk-1',
        LAUNCHDARKLY_BASE_URI: 'http://relay:8030',
      });
      expect(problems).toEqual([
        'LAUNCHDARKLY_STREAM_URI, LAUNCHDARKLY_EVENTS_URI: must be set together with the other LAUNCHDARKLY_*_URI variables',
      ]);
    });

    it('requires an SDK key when endpoints are set', () => {
      const endpoints = {
        LAUNCHDARKLY_BASE_URI: 'http://relay:8030',
        LAUNCHDARKLY_STREAM_URI: 'http://relay:8030',
        LAUNCHDARKLY_EVENTS_URI: 'http://relay:8030',
      };
      expect(problemsOf(endpoints)).toEqual([expect.stringMatching(/^LAUNCHDARKLY_SDK_KEY: /)]);
    });

    it('does not check the product file for the gateway, which has none', () => {
      expect(() => loadConfig({ PRODUCTS_FILE: '/no/such/products.json' }, 'gateway')).not.toThrow();
    });
  });

  describe('never lets the SDK key leak', () => {
    const key = 'sdk-very-secret-0000';

    it('is not in the error when the key is malformed', () => {
      const error = (() => {
        try {
          loadConfig({ LAUNCHDARKLY_SDK_KEY: `${key} with spaces` }, 'catalog');
        } catch (thrown) {
          return thrown as ConfigError;
        }
        throw new Error('expected a ConfigError');
      })();
      expect(error.problems).toEqual([expect.stringMatching(/^LAUNCHDARKLY_SDK_KEY: /)]);
      expect(error.message).not.toContain(key);
    });

    it('is redacted when the config is printed, inspected or serialised', () => {
      const config = loadConfig({ LAUNCHDARKLY_SDK_KEY: key }, 'catalog');
      expect(JSON.stringify(config)).not.toContain(key);
      expect(inspect(config, { depth: 10 })).not.toContain(key);
      expect(String(config.launchDarkly.mode === 'stream' && config.launchDarkly.sdkKey)).toBe('[redacted]');
    });

    it('rejects a mobile key with a hint', () => {
      expect(problemsOf({ LAUNCHDARKLY_SDK_KEY: 'mob-123' })).toEqual([
        expect.stringMatching(/^LAUNCHDARKLY_SDK_KEY: is a mobile key/),
      ]);
    });
  });

  describe('LAUNCHDARKLY_SDK_KEY_FILE (the key from a secrets file, not from the environment PM2 shows)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sdk-key-'));
    const keyFile = (name: string, content: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      return file;
    };

    it('reads the key from the file, ignoring the trailing newline', () => {
      const config = loadConfig({ LAUNCHDARKLY_SDK_KEY_FILE: keyFile('good', 'sdk-from-file\n') }, 'catalog');
      expect(config.launchDarkly.mode).toBe('stream');
      if (config.launchDarkly.mode !== 'stream') return;
      expect(config.launchDarkly.sdkKey.reveal()).toBe('sdk-from-file');
      expect(JSON.stringify(config)).not.toContain('sdk-from-file');
    });

    it('refuses both the file and the variable at once', () => {
      expect(
        problemsOf({ LAUNCHDARKLY_SDK_KEY: 'sdk-1', LAUNCHDARKLY_SDK_KEY_FILE: keyFile('both', 'sdk-2') }),
      ).toEqual(['LAUNCHDARKLY_SDK_KEY_FILE: set either it or LAUNCHDARKLY_SDK_KEY, not both']);
    });

    it('names the variable when the file is missing or empty', () => {
      expect(problemsOf({ LAUNCHDARKLY_SDK_KEY_FILE: path.join(dir, 'missing') })).toEqual([
        expect.stringMatching(/^LAUNCHDARKLY_SDK_KEY_FILE: cannot read .*missing \(ENOENT\)$/),
      ]);
      expect(problemsOf({ LAUNCHDARKLY_SDK_KEY_FILE: keyFile('empty', '\n') })).toEqual([
        expect.stringMatching(/^LAUNCHDARKLY_SDK_KEY_FILE: .*empty is empty$/),
      ]);
    });

    it('says what is wrong with a bad key without quoting it', () => {
      const problems = problemsOf({ LAUNCHDARKLY_SDK_KEY_FILE: keyFile('spaces', 'sdk-secret with spaces') });
      expect(problems).toEqual([
        expect.stringMatching(/^LAUNCHDARKLY_SDK_KEY_FILE: .* holds a key that must be/),
      ]);
      expect(problems.join('')).not.toContain('sdk-secret');
    });
  });
});
