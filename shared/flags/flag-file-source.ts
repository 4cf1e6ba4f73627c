import { integrations, type LDLogger } from '@launchdarkly/node-server-sdk';
import { unwatchFile, watch as watchDirectory, watchFile, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';

import { checkAllData } from './flag-data-schema';
import type { FlagSourceMonitor } from './flag-source-monitor';

type FileSourceFactory = ReturnType<integrations.FileDataSourceFactory['getFactory']>;
type FactoryArguments = Parameters<FileSourceFactory>;
type ClientContext = FactoryArguments[0];
type DataSourceUpdates = FactoryArguments[1];
type Filesystem = NonNullable<ClientContext['platform']['fileSystem']>;
type WatchHandle = ReturnType<Filesystem['watch']>;

export interface FlagFileSourceOptions {
  readonly logger: LDLogger;
  readonly monitor: FlagSourceMonitor;
  /** How often the file's status is polled as well, in case the directory watch misses a change. */
  readonly pollIntervalMs?: number;
}

const DEFAULT_POLL_INTERVAL_MS = 1_000;

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The SDK's own file data source, reading the flag file and reloading it on change, with three repairs
 * made through the platform and the data-source arguments it is built with:
 * - It is told of changes to the file's *name*, not its inode. The SDK's `fs.watch(file)` follows the
 *   inode: after a rename-replace (an editor's save, `sed -i`, `git checkout`) or a delete and
 *   re-create, later edits were never seen. Here the directory is watched for the name, and the
 *   file's status is polled as a backstop (directory events are not delivered on every filesystem).
 * - Its watch callback is async and unguarded: a file that is gone when it fires (a `git checkout`,
 *   an `rm`) rejected with nobody listening and took the process down. That is caught, logged, and
 *   reported as an interrupted source; the last good flags stay in use.
 * - A file of valid JSON but malformed flags (wrong types at any level) was stored as is. It is
 *   refused before it reaches the store, reported like the SDK reports unreadable JSON ('failed',
 *   and the init wait fails if there are no flags yet), and the last good flags stay in use.
 */
export function flagFileSource(flagsFile: string, options: FlagFileSourceOptions): FileSourceFactory {
  const { logger, monitor } = options;
  const sdkFactory = new integrations.FileDataSourceFactory({
    paths: [flagsFile],
    autoUpdate: true,
    logger,
  }).getFactory();
  return (context, dataSourceUpdates, initSuccess, errorHandler) => {
    const fileSystem = context.platform.fileSystem;
    if (!fileSystem) return sdkFactory(context, dataSourceUpdates, initSuccess, errorHandler);
    // One line per failure, not one per watch event while the file stays missing.
    let lastReadFailure: string | undefined;
    // The SDK reloads only when this number differs from the last one it saw. Its own is the mtime,
    // which the kernel keeps at clock-tick granularity: a file replaced within the same tick (a
    // rename of a file written just before) would be skipped. This one changes with any of mtime,
    // ctime, inode and size.
    const stamps = new Map<string, { key: string; stamp: number }>();
    const changeStamp = async (file: string): Promise<number> => {
      const { mtimeMs, ctimeMs, ino, size } = await stat(file);
      const key = `${mtimeMs}:${ctimeMs}:${ino}:${size}`;
      const last = stamps.get(file);
      if (last?.key === key) return last.stamp;
      const next = { key, stamp: (last?.stamp ?? 0) + 1 };
      stamps.set(file, next);
      return next.stamp;
    };
    const guarded: Filesystem = {
      getFileTimestamp: (file) => changeStamp(file),
      readFile: async (file) => {
        const text = await fileSystem.readFile(file);
        // The SDK reports a file it cannot use itself ('failed', a log line), in its own words; this
        // keeps what is wrong with it on record, for /readyz and status, until good data.
        const problem = flagFileProblem(text);
        if (problem) monitor.rejectedData('flag file', `${file}: ${problem}`);
        return text;
      },
      watch: (file, callback) =>
        watchByName(file, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, () => {
          Promise.resolve(callback('change', file) as unknown).catch((error: unknown) => {
            const reason = `cannot read the flag file ${file} (${reasonOf(error)})`;
            if (reason !== lastReadFailure) logger.error(`${reason}; keeping the last good flag values`);
            lastReadFailure = reason;
            monitor.interrupted(reason);
          });
        }),
    };
    const checkedUpdates: Pick<DataSourceUpdates, 'init' | 'upsert'> = {
      init(allData, callback, initMetadata) {
        const checked = checkAllData({ flags: allData.features ?? {}, segments: allData.segments ?? {} });
        if (!checked.ok) {
          const problem = `${flagsFile}: ${checked.problem}`;
          // The SDK logs it (as its 'error' event with no listener) and emits 'failed'.
          errorHandler?.(new Error(`Refused the flag file ${problem}; keeping the last good flag values`));
          return;
        }
        lastReadFailure = undefined;
        monitor.delivered();
        dataSourceUpdates.init(allData, callback, initMetadata);
      },
      upsert: (kind, data, callback) => dataSourceUpdates.upsert(kind, data, callback),
    };
    return sdkFactory(
      { ...context, platform: { ...context.platform, fileSystem: guarded } },
      // The SDK hands its DataSourceUpdates (init and upsert) here, though the factory types it as a store.
      checkedUpdates as DataSourceUpdates,
      initSuccess,
      errorHandler,
    );
  };
}

/** What makes a flag file's text unusable, checked as the SDK will read it; undefined when nothing. */
function flagFileProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `not JSON (${reasonOf(error)})`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  const { flags, flagValues, segments } = parsed as Record<string, unknown>;
  if (flagValues != null && (typeof flagValues !== 'object' || Array.isArray(flagValues))) {
    return 'flagValues: must be an object of values by flag key';
  }
  const checked = checkAllData({ flags: flags ?? {}, segments });
  return checked.ok ? undefined : checked.problem;
}

/**
 * Calls `onChange` whenever the file at `file` may have changed, whatever replaced it: the directory
 * is watched for its name, and its status is polled. Spurious calls are harmless: the SDK compares
 * the file's timestamp before it reloads.
 */
function watchByName(file: string, pollIntervalMs: number, onChange: () => void): WatchHandle {
  const name = path.basename(file);
  const directory = watchDirectory(path.dirname(file), { persistent: false }, (_, changed) => {
    if (changed === null || changed.toString() === name) onChange();
  });
  // A directory watch that fails (the directory went away) leaves the polling to do the job.
  directory.on('error', () => directory.close());
  const poll = (current: Stats, previous: Stats) => {
    const changed = (['mtimeMs', 'ctimeMs', 'ino', 'size'] as const).some(
      (field) => current[field] !== previous[field],
    );
    if (changed) onChange();
  };
  watchFile(file, { persistent: false, interval: pollIntervalMs }, poll);
  return {
    close() {
      directory.close();
      unwatchFile(file, poll);
    },
  };
}
