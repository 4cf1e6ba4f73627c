import { integrations, type LDLogger } from '@launchdarkly/node-server-sdk';

type FileSourceFactory = ReturnType<integrations.FileDataSourceFactory['getFactory']>;
type ClientContext = Parameters<FileSourceFactory>[0];
type Filesystem = NonNullable<ClientContext['platform']['fileSystem']>;

/**
 * The SDK's own file data source, watching the flag file so edits reach running instances, with
 * one repair: the SDK's watch callback is async and unguarded, so a flag file that disappears (a
 * `git checkout`, an `rm`) rejects with nobody listening and takes the whole process down. Here that
 * rejection is caught and logged, and the last good flags stay in use.
 */
export function flagFileSource(flagsFile: string, logger: LDLogger): FileSourceFactory {
  const sdkFactory = new integrations.FileDataSourceFactory({
    paths: [flagsFile],
    autoUpdate: true,
    logger,
  }).getFactory();
  return (context, ...rest) => {
    const fileSystem = context.platform.fileSystem;
    if (!fileSystem) return sdkFactory(context, ...rest);
    const guarded: Filesystem = {
      getFileTimestamp: (path) => fileSystem.getFileTimestamp(path),
      readFile: (path) => fileSystem.readFile(path),
      watch: (path, callback) =>
        fileSystem.watch(path, (eventType, changedPath) => {
          Promise.resolve(callback(eventType, changedPath) as unknown).catch((error: unknown) => {
            const reason = error instanceof Error ? error.message : String(error);
            logger.error(
              `Cannot reload flag file ${changedPath} (${reason}); keeping the last good flag values`,
            );
          });
        }),
    };
    return sdkFactory({ ...context, platform: { ...context.platform, fileSystem: guarded } }, ...rest);
  };
}
