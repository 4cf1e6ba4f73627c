import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { makeBuildTree, type BuildTree } from '../../test/support/build-tree';
import { fleet } from '../../services/fleet';
import { serviceBuildInputs } from '../runtime';
import { computeBuildFingerprint, type BuildFingerprint } from './build-fingerprint';
import { fingerprintInputs } from './fingerprint-inputs';

describe('computeBuildFingerprint', () => {
  let tree: BuildTree;
  let root: string;
  const env = { CATALOG_PORT: '3001', LAUNCHDARKLY_SDK_KEY: 'sdk-fingerprint-test-key' };

  beforeEach(async () => {
    tree = await makeBuildTree();
    root = tree.root;
  });

  afterEach(async () => {
    await tree.remove();
  });

  function fingerprintOf(
    service: string,
    at = root,
    withEnv: Readonly<Record<string, string | undefined>> = env,
  ): Promise<BuildFingerprint> {
    return computeBuildFingerprint(
      fingerprintInputs({
        service: serviceBuildInputs(
          fleet.find((candidate) => candidate.name === service)!,
          fleet,
        ),
        env: withEnv,
        cwd: at,
        buildRoot: path.join(at, 'dist'),
      }),
    );
  }

  const edit = (relative: string, content: string): Promise<void> => tree.write(relative, content);

  it('gives the same build the same fingerprint, wherever it is deployed', async () => {
    const first = await fingerprintOf('catalog');
    expect(first.files).toMatch(/^[0-9a-f]{64}$/);
    expect(first.environment).toMatch(/^[0-9a-f]{64}$/);
    expect(await fingerprintOf('catalog')).toEqual(first);

    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-fingerprint-copy-'));
    try {
      await cp(root, elsewhere, { recursive: true });
      expect(await fingerprintOf('catalog', elsewhere)).toEqual(first);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('changes when a file of that service changes, is added or renamed, and for no other service', async () => {
    const before = {
      catalog: await fingerprintOf('catalog'),
      gateway: await fingerprintOf('gateway'),
      pricing: await fingerprintOf('pricing'),
    };

    await edit('dist/services/catalog/app.js', "exports.app = 'catalog'; // v2");
    const edited = await fingerprintOf('catalog');
    expect(edited.files).not.toBe(before.catalog.files);
    expect(edited.environment).toBe(before.catalog.environment);
    expect(await fingerprintOf('gateway')).toEqual(before.gateway);
    expect(await fingerprintOf('pricing')).toEqual(before.pricing);

    await edit('dist/services/catalog/extra/sort.js', 'exports.sort = 1;');
    const added = await fingerprintOf('catalog');
    expect(added.files).not.toBe(edited.files);

    await rename(
      path.join(root, 'dist/services/catalog/extra/sort.js'),
      path.join(root, 'dist/services/catalog/extra/order.js'),
    );
    expect((await fingerprintOf('catalog')).files).not.toBe(added.files);
  });

  it('changes for every service when shared code or the dependencies change', async () => {
    const services: string[] = ['gateway', 'catalog', 'pricing'];
    const before = await Promise.all(services.map((service) => fingerprintOf(service)));

    await edit('dist/shared/config/index.js', 'exports.config = 2;');
    const afterShared = await Promise.all(services.map((service) => fingerprintOf(service)));
    afterShared.forEach((fingerprint, index) => expect(fingerprint.files).not.toBe(before[index]!.files));

    await edit('package-lock.json', '{"lockfileVersion":3,"packages":{"node_modules/koa":{}}}');
    const afterLock = await Promise.all(services.map((service) => fingerprintOf(service)));
    afterLock.forEach((fingerprint, index) => expect(fingerprint.files).not.toBe(afterShared[index]!.files));
  });

  it('counts the product data for catalog and pricing, which read it at start-up, not for the gateway', async () => {
    const before = { catalog: await fingerprintOf('catalog'), gateway: await fingerprintOf('gateway') };
    await edit('data/products.json', '{"products":[{"sku":"NEW"}]}');
    expect((await fingerprintOf('catalog')).files).not.toBe(before.catalog.files);
    expect(await fingerprintOf('gateway')).toEqual(before.gateway);
  });

  it('ignores what no instance loads at start-up: the rollout script, and the flag file (watched live)', async () => {
    const before = await fingerprintOf('catalog');
    await edit('dist/scripts/rollout/main.js', 'main(); // v2');
    await edit('data/flags.json', '{"flags":{"catalog-sort":{}}}');
    expect(await fingerprintOf('catalog')).toEqual(before);
  });

  it('changes its environment digest with a configuration variable or NODE_ENV, not with others', async () => {
    const before = await fingerprintOf('catalog');
    expect((await fingerprintOf('catalog', root, { ...env, LOG_LEVEL: 'debug' })).environment).not.toBe(
      before.environment,
    );
    expect((await fingerprintOf('catalog', root, { ...env, NODE_ENV: 'production' })).environment).not.toBe(
      before.environment,
    );
    expect(
      (await fingerprintOf('catalog', root, { ...env, LAUNCHDARKLY_SDK_KEY: 'sdk-rotated' })).environment,
    ).not.toBe(before.environment);
    const unrelated = {
      ...env,
      PATH: '/elsewhere',
      NODE_APP_INSTANCE: '7',
      FLEET_INSTANCES: '4',
      LOG_FORMAT: ' ',
      CATALOG_PORT: ' 3001 ',
    };
    expect(await fingerprintOf('catalog', root, unrelated)).toEqual(before);
  });

  it('carries digests only: neither the SDK key nor any path', async () => {
    const text = JSON.stringify(await fingerprintOf('catalog'));
    expect(text).not.toContain('sdk-fingerprint-test-key');
    expect(text).not.toContain(root);
  });

  it('still fingerprints a build whose folders or files are missing, differently from a complete one', async () => {
    const complete = await fingerprintOf('catalog');
    await rm(path.join(root, 'dist/services/catalog'), { recursive: true });
    await rm(path.join(root, 'data/products.json'));
    const partial = await fingerprintOf('catalog');
    expect(partial.files).toMatch(/^[0-9a-f]{64}$/);
    expect(partial.files).not.toBe(complete.files);
  });
});
