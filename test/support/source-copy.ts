import { execFile } from 'node:child_process';
import { cp, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { findProjectRoot } from '../../shared/config';

const run = promisify(execFile);
const projectRoot = findProjectRoot(__dirname);

/** What a developer's checkout has: the sources, the build config and the data, node_modules linked. */
const SOURCE_ENTRIES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  '.prettierrc.json',
  'ecosystem.config.js',
  'Dockerfile',
  'data',
  'services',
  'domain',
  'shared',
  'scripts',
  'test/support',
];

export interface SourceCopy {
  readonly root: string;
  /** `node <script> …args` in the copy (e.g. `dist/scripts/new-service/main.js`); rejects on a non-zero exit. */
  node(script: string, ...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** `npm run build` of the copy: tsc over its sources into its dist/. */
  build(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A developer's checkout in a temporary directory, built: a test can add a service to it (the
 * scaffolder writes sources, then it is built) while the repository stays as it is.
 */
export async function copySources(): Promise<SourceCopy> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-src-'));
  for (const entry of SOURCE_ENTRIES) {
    await cp(path.join(projectRoot, entry), path.join(root, entry), { recursive: true });
  }
  await symlink(
    await realpath(path.join(projectRoot, 'node_modules')),
    path.join(root, 'node_modules'),
    'dir',
  );
  const copy: SourceCopy = {
    root,
    node: (script, ...args) =>
      run(process.execPath, [path.join(root, script), ...args], { cwd: root, maxBuffer: 16 << 20 }),
    async build() {
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, maxBuffer: 16 << 20 });
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  await copy.build();
  return copy;
}
