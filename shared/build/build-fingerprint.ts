import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import type { FingerprintInputs } from './fingerprint-inputs';

/**
 * Which build an instance runs, as two sha256 digests: one of its files (compiled code of its service
 * and of shared/, package-lock.json, the data it reads at start-up), one of the environment variables
 * that count. Digests only: no path, no value (the SDK key is one of the variables) ever leaves it.
 */
export interface BuildFingerprint {
  readonly files: string;
  readonly environment: string;
}

/** Part of every digest: a change in what is hashed, or how, then counts as a change. */
const SCHEME = 'flagfleet-build-fingerprint/1';

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Every regular file under `folder` (relative to `root`), as `/`-separated paths relative to `root`. */
async function filesUnder(root: string, folder: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(root, folder), { recursive: true, withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

async function contentDigest(file: string): Promise<string> {
  try {
    return sha256(await readFile(file));
  } catch (error) {
    if (isMissing(error)) return 'missing';
    throw error;
  }
}

/** One line per entry, in code-unit order so every machine and locale agrees. */
function digestOf(entries: ReadonlyArray<readonly [string, string]>): string {
  const lines = [...entries]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, digest]) => `${name}\0${digest}\n`);
  return sha256(`${SCHEME}\n${lines.join('')}`);
}

/**
 * Hashes what `inputs` names. Reads the files asynchronously and hashes each in one call (the largest,
 * package-lock.json, takes about a millisecond), so the event loop is never held for long. Rejects only
 * when a file exists but cannot be read; a missing file or folder is part of the fingerprint.
 */
export async function computeBuildFingerprint(inputs: FingerprintInputs): Promise<BuildFingerprint> {
  const codeFiles = (
    await Promise.all(inputs.codeFolders.map((folder) => filesUnder(inputs.buildRoot, folder)))
  ).flat();
  const fileEntries = await Promise.all([
    ...codeFiles.map(
      async (relative) =>
        [`code:${relative}`, await contentDigest(path.join(inputs.buildRoot, relative))] as const,
    ),
    ...inputs.files.map(async ({ label, file }) => [label, await contentDigest(file)] as const),
  ]);
  const environmentEntries = Object.entries(inputs.environment).map(
    ([name, value]) => [name, sha256(value)] as const,
  );
  return { files: digestOf(fileEntries), environment: digestOf(environmentEntries) };
}
