import { rm } from 'node:fs/promises';
import path from 'node:path';

import { fleet as fleetList } from '../../services/fleet';
import { serviceBuildInputs } from '../../shared/runtime';
import { computeBuildFingerprint, fingerprintInputs, type BuildFingerprint } from '../../shared/build';
import { makeBuildTree, type BuildTree } from '../../test/support/build-tree';
import { fleetInstance } from '../../test/support/fleet-instances';
import type { FleetInstance } from './fleet-instance';
import { nextBuilds, reloadedEnv } from './next-build';

/** A service of the demo fleet (services/fleet.ts). */
type ServiceName = 'gateway' | 'catalog' | 'pricing';

function buildInputsOf(service: string) {
  return serviceBuildInputs(
    fleetList.find((candidate) => candidate.name === service)!,
    fleetList,
  );
}

describe('reloadedEnv', () => {
  it("is the worker's environment with the rollout's variables over it; the others keep their values", () => {
    const instance = fleetInstance({
      workerEnv: { CATALOG_PORT: '4001', LOG_LEVEL: 'info', NODE_ENV: 'development' },
    });
    expect(reloadedEnv(instance, { LOG_LEVEL: 'debug', UNSET: undefined })).toEqual({
      CATALOG_PORT: '4001',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'development',
    });
  });
});

describe('nextBuilds', () => {
  let tree: BuildTree;
  const workerEnv = { CATALOG_PORT: '4001', NODE_ENV: 'development' };

  beforeEach(async () => {
    tree = await makeBuildTree();
  });

  afterEach(async () => {
    await tree.remove();
  });

  function instance(service: ServiceName, pmId: number): FleetInstance {
    return fleetInstance({ service, pmId, script: tree.script(service), cwd: tree.root, workerEnv });
  }

  /** What the instance computed on itself when it started from the tree as it is now. */
  function fingerprintAtStart(service: ServiceName): Promise<BuildFingerprint> {
    return computeBuildFingerprint(
      fingerprintInputs({
        service: buildInputsOf(service),
        env: workerEnv,
        cwd: tree.root,
        buildRoot: path.join(tree.root, 'dist'),
      }),
    );
  }

  it('matches what the running instances computed when neither the build nor the environment changed', async () => {
    const fleet = [instance('catalog', 1), instance('catalog', 3), instance('gateway', 0)];
    const next = await nextBuilds(fleet, fleetList, { PATH: '/usr/bin' });
    expect(next.get(1)).toEqual(await fingerprintAtStart('catalog'));
    expect(next.get(3)).toEqual(await fingerprintAtStart('catalog'));
    expect(next.get(0)).toEqual(await fingerprintAtStart('gateway'));
  });

  it("differs for a service whose compiled code changed, and only for it; the rollout's variables count", async () => {
    const fleet = [instance('catalog', 1), instance('gateway', 0)];
    const running = {
      catalog: await fingerprintAtStart('catalog'),
      gateway: await fingerprintAtStart('gateway'),
    };

    await tree.write('dist/services/catalog/app.js', "exports.app = 'catalog v2';");
    const afterEdit = await nextBuilds(fleet, fleetList, {});
    const catalog = afterEdit.get(1) as BuildFingerprint;
    expect(catalog.files).not.toBe(running.catalog.files);
    expect(catalog.environment).toBe(running.catalog.environment);
    expect(afterEdit.get(0)).toEqual(running.gateway);

    const withEnv = await nextBuilds(fleet, fleetList, { LOG_LEVEL: 'debug' });
    expect((withEnv.get(0) as BuildFingerprint).environment).not.toBe(running.gateway.environment);
  });

  it('gives an Error, not a throw, for an instance whose new build cannot be read', async () => {
    await rm(path.join(tree.root, 'package-lock.json'));
    await tree.write('package-lock.json/oops', 'a folder where the lockfile should be');
    const next = await nextBuilds([instance('pricing', 2)], fleetList, {});
    expect(next.get(2)).toBeInstanceOf(Error);
    expect((next.get(2) as Error).message).toMatch(/EISDIR/);
  });
});
