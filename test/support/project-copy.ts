import { cp, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { findProjectRoot } from '../../shared/config';

const projectRoot = findProjectRoot(__dirname);

/** A throw-away copy of what a deployed host has: package.json, the ecosystem, data/ and the build. */
export interface ProjectCopy {
  readonly root: string;
  /**
   * Overwrites a file of the copy (e.g. `dist/services/catalog/main.js`, to simulate a bad build);
   * {@link restore} puts every replaced file back.
   */
  replaceFile(relativePath: string, content: string): Promise<void>;
  /** Writes a file of the copy for good, as a deploy does: {@link restore} leaves it as written. */
  deployFile(relativePath: string, content: string): Promise<void>;
  restore(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Copies the built project (dist/ must exist: `npm run build`) to a temporary directory, with
 * node_modules linked, so a test can deploy a broken build into it while the repository's own dist/
 * and any other test's fleet stay as they are.
 */
export async function copyProject(): Promise<ProjectCopy> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-copy-'));
  for (const entry of ['package.json', 'ecosystem.config.js', 'data', 'dist']) {
    await cp(path.join(projectRoot, entry), path.join(root, entry), { recursive: true });
  }
  await symlink(
    await realpath(path.join(projectRoot, 'node_modules')),
    path.join(root, 'node_modules'),
    'dir',
  );
  const originals = new Map<string, string>();
  return {
    root,
    async replaceFile(relativePath, content) {
      const file = path.join(root, relativePath);
      if (!originals.has(file)) originals.set(file, await readFile(file, 'utf8'));
      await writeFile(file, content);
    },
    async deployFile(relativePath, content) {
      const file = path.join(root, relativePath);
      originals.delete(file);
      await writeFile(file, content);
    },
    async restore() {
      for (const [file, content] of originals) await writeFile(file, content);
      originals.clear();
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
