import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A service of the demo fleet (services/fleet.ts). */
type ServiceName = 'gateway' | 'catalog' | 'pricing';

/** A small deployed project in a temporary directory: package files, data/ and a dist/ of three services. */
export interface BuildTree {
  readonly root: string;
  /** `<root>/dist/services/<service>/main.js`: the script PM2 runs. */
  script(service: ServiceName): string;
  /** Writes a file of the tree (path relative to the root), creating its folder. */
  write(relativePath: string, content: string): Promise<void>;
  remove(): Promise<void>;
}

export async function makeBuildTree(): Promise<BuildTree> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-build-'));
  const tree: BuildTree = {
    root,
    script: (service) => path.join(root, 'dist', 'services', service, 'main.js'),
    async write(relativePath, content) {
      await mkdir(path.dirname(path.join(root, relativePath)), { recursive: true });
      await writeFile(path.join(root, relativePath), content);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  const files: Record<string, string> = {
    'package.json': '{"name":"flagfleet"}',
    'package-lock.json': '{"lockfileVersion":3}',
    'data/products.json': '{"products":[]}',
    'data/flags.json': '{"flags":{}}',
    'dist/shared/runtime/run-service.js': 'exports.run = 1;',
    'dist/shared/runtime/run-service.js.map': '{}',
    'dist/shared/config/index.js': 'exports.config = 1;',
    'dist/scripts/rollout/main.js': 'main();',
  };
  for (const service of ['gateway', 'catalog', 'pricing']) {
    files[`dist/services/${service}/main.js`] = `require('./app'); // ${service}`;
    files[`dist/services/${service}/app.js`] = `exports.app = '${service}';`;
  }
  for (const [relativePath, content] of Object.entries(files)) await tree.write(relativePath, content);
  return tree;
}
