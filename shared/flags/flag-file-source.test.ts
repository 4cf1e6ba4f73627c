import { init, type LDClient, type LDLogger } from '@launchdarkly/node-server-sdk';
import { once } from 'node:events';
import { mkdtemp, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { DEFAULT_FLAGS_FILE } from './flag-config';
import { flagFileSource } from './flag-file-source';
import { FlagSourceMonitor } from './flag-source-monitor';

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
  let monitor: FlagSourceMonitor;

  function withCatalogSort(variation: number): string {
    const next = structuredClone(original);
    const flag = next.flags['catalog-sort']!;
    flag.fallthrough.variation = variation;
    flag.version += variation + 1;
    return JSON.stringify(next);
  }

  async function writeCatalogSort(variation: number): Promise<void> {
    await writeFile(file, withCatalogSort(variation));
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
    monitor = new FlagSourceMonitor();
    client = init('local', {
      updateProcessor: flagFileSource(file, { logger, monitor, pollIntervalMs: 100 }),
      sendEvents: false,
      logger,
    });
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
      await waitFor(() => errors.some((message) => message.startsWith('cannot read the flag file')));
      await new Promise((resolve) => setTimeout(resolve, 300)); // a few polls of the missing file
      expect(unhandled).toEqual([]);
      expect(errors.filter((message) => message.startsWith('cannot read the flag file'))).toEqual([
        expect.stringContaining('ENOENT'),
      ]);
      expect(monitor.source()).toMatchObject({
        state: 'interrupted',
        reason: expect.stringContaining('ENOENT'),
      });
      expect(await client.variation('catalog-sort', context, 'x')).toBe('featured');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('flagFileSource sees the file however it is replaced', () => {
  // Each way of replacing the file, then a second edit: the SDK's own watch followed the inode and
  // saw the first replacement at most, never the edit after it.
  const context = { kind: 'user', key: 'u' };
  let dir: string;
  let file: string;
  let client: LDClient;
  let original: FlagFile;
  let monitor: FlagSourceMonitor;

  function withCatalogSort(variation: number, version: number): string {
    const next = structuredClone(original);
    const flag = next.flags['catalog-sort']!;
    flag.fallthrough.variation = variation;
    flag.version = version;
    return JSON.stringify(next);
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'flag-file-'));
    file = path.join(dir, 'flags.json');
    original = JSON.parse(await readFile(DEFAULT_FLAGS_FILE, 'utf8')) as FlagFile;
    await writeFile(file, JSON.stringify(original));
    monitor = new FlagSourceMonitor();
    const logger: LDLogger = {
      error: () => undefined,
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
    };
    client = init('local', {
      updateProcessor: flagFileSource(file, { logger, monitor, pollIntervalMs: 100 }),
      sendEvents: false,
      logger,
    });
    await client.waitForInitialization({ timeout: 5 });
  });

  afterEach(async () => {
    client.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function serves(value: string): Promise<void> {
    await waitFor(async () => (await client.variation('catalog-sort', context, 'x')) === value, 5000);
  }

  const replacements: Array<[string, (text: string) => Promise<void>]> = [
    ['an in-place write', (text) => writeFile(file, text)],
    [
      "a rename over it (an editor's save, sed -i)",
      async (text) => {
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      },
    ],
    [
      'a rename of a file with the same mtime as the one it replaces (cp -p, a clock-tick-coarse mtime)',
      async (text) => {
        const { mtime, atime } = await stat(file);
        await writeFile(`${file}.tmp`, text);
        await utimes(`${file}.tmp`, atime, mtime);
        await rename(`${file}.tmp`, file);
      },
    ],
    [
      'a delete and re-create',
      async (text) => {
        await unlink(file);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await writeFile(file, text);
      },
    ],
  ];

  it.each(replacements)('%s, twice in a row', async (_, replace) => {
    await replace(withCatalogSort(2, 100));
    await serves('newest');
    await replace(withCatalogSort(1, 101));
    await serves('price-asc');
    expect(monitor.source().state).toBe('delivering');
  });

  it('valid JSON of malformed flags is refused: the last good values stay, and it shows until a good file', async () => {
    const failed = new Promise((resolve) => client.once('failed', resolve));
    const broken = structuredClone(original) as unknown as { flags: Record<string, Record<string, unknown>> };
    broken.flags['catalog-sort']!.rules = 'not a list';
    await writeFile(file, JSON.stringify(broken));
    await failed;
    expect(await client.variation('catalog-sort', context, 'x')).toBe('featured');
    expect(monitor.rejectedDataState()).toMatchObject({
      source: 'flag file',
      message: expect.stringContaining('flags.catalog-sort.rules'),
    });
    await writeFile(file, withCatalogSort(2, 100));
    await serves('newest');
    expect(monitor.rejectedDataState()).toBeNull();
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
