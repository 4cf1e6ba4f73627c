import path from 'node:path';

import { findProjectRoot, loadConfig } from '../config';
import { buildRootOfScript, FINGERPRINT_VARIABLES, fingerprintInputs } from './fingerprint-inputs';
import { RUNNING_BUILD_ROOT } from './running-build';

const projectRoot = findProjectRoot(__dirname);

describe('fingerprintInputs', () => {
  it("hashes the service's own code folder and shared/, the lockfile, and its data as the config resolves it", () => {
    const env = { PRODUCTS_FILE: 'data/products.json' };
    const inputs = fingerprintInputs({
      service: 'pricing',
      env,
      cwd: projectRoot,
      buildRoot: RUNNING_BUILD_ROOT,
    });

    expect(inputs.codeFolders).toEqual(['services/pricing', 'shared']);
    expect(inputs.files).toEqual([
      { label: 'dependencies:package-lock.json', file: path.join(projectRoot, 'package-lock.json') },
      { label: 'data:products', file: loadConfig(env, 'pricing').productsFile },
    ]);
  });

  it('finds the default product file of the project it fingerprints, as the config does', () => {
    const inputs = fingerprintInputs({
      service: 'catalog',
      env: {},
      cwd: '/',
      buildRoot: RUNNING_BUILD_ROOT,
    });
    expect(inputs.files.find((file) => file.label === 'data:products')?.file).toBe(
      loadConfig({}, 'catalog').productsFile,
    );
  });

  it('leaves the product data out for the gateway, and adds the SDK key file when one is used', () => {
    const inputs = fingerprintInputs({
      service: 'gateway',
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
      service: 'catalog',
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

  it('counts every configuration variable and NODE_ENV, but not the instance number or count', () => {
    expect(FINGERPRINT_VARIABLES).toEqual(
      expect.arrayContaining([
        'LAUNCHDARKLY_SDK_KEY',
        'LAUNCHDARKLY_SDK_KEY_FILE',
        'PRICING_PORT',
        'NODE_ENV',
      ]),
    );
    expect(FINGERPRINT_VARIABLES).not.toContain('NODE_APP_INSTANCE');
    expect(FINGERPRINT_VARIABLES).not.toContain('FLEET_INSTANCES');
  });
});

describe('buildRootOfScript', () => {
  it('is the build a PM2 script belongs to', () => {
    expect(buildRootOfScript('/srv/fleet/dist/services/catalog/main.js')).toBe('/srv/fleet/dist');
  });
});
