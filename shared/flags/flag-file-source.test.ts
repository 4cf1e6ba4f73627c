import { init, type LDClient, type LDLogger } from '@launchdarkly/node-server-sdk';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { DEFAULT_FLAGS_FILE } from './flag-config';
import { flagFileSource } from './flag-file-source';

interface FlagFile {
  flags: Record<string, { version: number; fallthrough: { variation: number } }>;
}

describe('flagFileSource', () => {
  const context = { kind: 'user', key: 'u' };
  let dir: string;
  let file: string;
  let client: LDClient;
  let errors: string[];
  let original: FlagFile;

  async function writeCatalogSort(variation: number): Promise<void> {
    const next = structuredClone(original);
    const flag = next.flags['catalog-sort']!;
    flag.fallthrough.variation = variation;
    flag.version += variation + 1;
    await writeFile(file, JSON.stringify(next));
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'flag-file-'));
    file = path.join(dir, 'flags.json');
    original = JSON.parse(await readFile(DEFAULT_FLAGS_FILE, 'utf8')) as FlagFile;
    await writeFile(file, JSON.stringify(original));
    errors = [];
    const logger: LDLogger = {
      error: (message: string) => errors.push(message),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
    };
    client = init('local', { updateProcessor: flagFileSource(file, logger), sendEvents: false, logger });
    await client.waitForInitialization({ timeout: 5 });
  });

  afterEach(async () => {
    client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the flags in the file, targeting included', async () => {
    expect(await client.variation('catalog-sort', context, 'x')).toBe('featured');
    expect(await client.variation('catalog-sort', { ...context, plan: 'free' }, 'x')).toBe('price-asc');
  });

  it('picks up an in-place edit without a restart', async () => {
    const updated = once(client, 'update:catalog-sort');
    await writeCatalogSort(2);
    await updated;
    expect(await client.variation('catalog-sort', context, 'x')).toBe('newest');
  });

  it('keeps the last good values and logs an error when the file becomes malformed', async () => {
    // Not events.once: the SDK emits 'error' too, which would reject it.
    const failed = new Promise((resolve) => client.once('failed', resolve));
    await writeFile(file, '{ "flags": ');
    await failed;
    expect(await client.variation('catalog-sort', context, 'x')).toBe('featured');
    expect(errors.join('\n')).toMatch(/Error processing files/);
  });

  it('survives the file being deleted: logs it, keeps the last values, and no rejection goes unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await unlink(file);
      await waitFor(() => errors.some((message) => message.startsWith('Cannot reload flag file')));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(errors.find((message) => message.startsWith('Cannot reload flag file'))).toContain('ENOENT');
      expect(await client.variation('catalog-sort', context, 'x')).toBe('featured');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
