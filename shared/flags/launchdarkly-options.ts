import type { LDLogger, LDOptions } from '@launchdarkly/node-server-sdk';

import type { LaunchDarklyConfig } from './flag-config';
import { flagFileSource } from './flag-file-source';

/** The SDK requires a key even when no network is used; this one is never sent anywhere. */
export const LOCAL_FILE_SDK_KEY = 'local-flag-file';

/** The SDK key to hand to `init`, read from its Secret only here. */
export function sdkKeyFor(config: LaunchDarklyConfig): string {
  return config.mode === 'file' ? LOCAL_FILE_SDK_KEY : config.sdkKey.reveal();
}

/** How often the flag client sends analytics events (the SDK's default), on its own schedule. */
export const EVENT_FLUSH_INTERVAL_MS = 5_000;

/** SDK options for each way of getting flags. */
export function launchDarklyOptions(
  config: LaunchDarklyConfig,
  logger: LDLogger,
  applicationId: string,
): LDOptions {
  // The SDK's flush timer is pushed out of the way: FlagClient flushes on EVENT_FLUSH_INTERVAL_MS
  // itself, so that shutdown can await a flush in progress (see FlagClient).
  const common: LDOptions = { logger, application: { id: applicationId }, flushInterval: 24 * 60 * 60 };
  switch (config.mode) {
    case 'file':
      return {
        ...common,
        updateProcessor: flagFileSource(config.flagsFile, logger),
        sendEvents: false,
        diagnosticOptOut: true,
      };
    case 'relay':
      return { ...common, ...config.endpoints };
    case 'stream':
      return common;
  }
}
