import path from 'node:path';

import { fleet } from '../../services/fleet';
import { findProjectRoot } from '../config';
import { loadServiceConfig, serviceBuildInputs } from '../runtime';
import { buildRootOfScript, fingerprintInputs, fingerprintVariables } from './fingerprint-inputs';

const manifestOf = (name: string) => fleet.find((service) => service.name === name)!;
const inputsOf = (name: string) => serviceBuildInputs(manifestOf(name), fleet);
import { RUNNING_BUILD_ROOT } from './running-build';

const projectRoot = findProjectRoot(__dirname);

describe('fingerprintInputs', () => {
  it("hashes the service's own code folder and shared/, the lockfile, and its data as the config resolves it", () => {
    const env = { PRODUCTS_FILE: 'data/products.json' };
    const inputs = fingerprintInputs({
      service: inputsOf('pricing'),
      env,
      cwd: projectRoot,
      buildRoot: RUNNING_BUILD_ROOT,
    });

    expect(inputs.codeFolders).toEqual(['services/pricing', 'domain', 'shared']);
    expect(inputs.files).toEqual([
      { label: 'dependencies:package-lock.json', file: path.join(projectRoot, 'package-lock.json') },
      { label: 'data:products', file: loadServiceConfig(env, manifestOf('pricing'), fleet).files.products },
    ]);
  });

  it('finds the default product file of the project it fingerprints, as the config does', () => {
    const inputs = fingerprintInputs({
      service: inputsOf('catalog'),
      env: {},
      cwd: '/',
      buildRoot: RUNNING_BUILD_ROOT,
    });
    expect(inputs.files.find((file) => file.label === 'data:products')?.file).toBe(
      loadServiceConfig({}, manifestOf('catalog'), fleet).files.products,
    );
  });

  it('leaves the product data out for the gateway, and adds the SDK key file when one is used', () => {
    const inputs = fingerprintInputs({
      service: inputsOf('gateway'),
      env: { LAUNCHDARKLY_SDK_KEY_FILE: 'secrets/ld-key' },
      cwd: '/srv/fleet',
      buildRoot: RUNNING_BUILD_ROOT,
    });
    expect(inputs.files.map((file) => file.label)).toEqual([
      'dependencies:package-lock.json',
      'data:launchdarkly-sdk-key-file',
    ]);
    expect(inputs.files[1]!.file).toBe('/srv/fleet/secrets/ld-key');
  });

  it('keeps the variables that count, trimmed, leaving out unset and empty ones', () => {
    const inputs = fingerprintInputs({
      service: inputsOf('catalog'),
      env: {
        CATALOG_PORT: ' 4001 ',
        LOG_LEVEL: '',
        NODE_ENV: 'production',
        HOME: '/root',
        NODE_APP_INSTANCE: '1',
      },
      cwd: projectRoot,
      buildRoot: RUNNING_BUILD_ROOT,
    });
    expect(inputs.environment).toEqual({ CATALOG_PORT: '4001', NODE_ENV: 'production' });
  });

  it('counts the variables the service reads and NODE_ENV, but not the instance number', () => {
    const variables = fingerprintVariables(['LAUNCHDARKLY_SDK_KEY', 'ORDERS_PORT', 'NODE_APP_INSTANCE']);
    expect(variables).toEqual(['LAUNCHDARKLY_SDK_KEY', 'NODE_ENV', 'ORDERS_PORT']);
  });

  it("counts for a service only what the shared runtime or its own manifest reads: a gateway-only variable is not catalog's", () => {
    const gateway = inputsOf('gateway').variables;
    const catalog = inputsOf('catalog').variables;
    for (const shared of ['LAUNCHDARKLY_SDK_KEY', 'LAUNCHDARKLY_SDK_KEY_FILE', 'LOG_LEVEL']) {
      expect(gateway).toContain(shared);
      expect(catalog).toContain(shared);
    }
    expect(gateway).toEqual(expect.arrayContaining(['UPSTREAM_TIMEOUT_MS', 'CATALOG_URL', 'GATEWAY_PORT']));
    expect(catalog).not.toContain('UPSTREAM_TIMEOUT_MS');
    expect(catalog).not.toContain('GATEWAY_PORT');
    expect(catalog).not.toContain('FLEET_INSTANCES');
  });
});

describe('buildRootOfScript', () => {
  it('is the build a PM2 script belongs to', () => {
    expect(buildRootOfScript('/srv/fleet/dist/services/catalog/main.js')).toBe('/srv/fleet/dist');
  });
});
