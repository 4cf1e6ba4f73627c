import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

import { Secret, configPart, findProjectRoot, httpUrl, integer, readableFileProblem } from '../config';
import { FLAG_STORE_VARIABLES, flagStoreFrom, type FlagStoreConfig } from './flag-store-config';

export interface LaunchDarklyEndpoints {
  readonly baseUri: string;
  readonly streamUri: string;
  readonly eventsUri: string;
}

/**
 * How the flag client gets its data: LaunchDarkly itself, a Relay Proxy (or double), or a local file;
 * with an SDK key, also where it keeps the last known flags (`store`, flag-store-config.ts).
 */
export type LaunchDarklyConfig =
  | { readonly mode: 'file'; readonly flagsFile: string; readonly initTimeoutS: number }
  | {
      readonly mode: 'stream';
      readonly sdkKey: Secret;
      readonly initTimeoutS: number;
      readonly store: FlagStoreConfig;
    }
  | {
      readonly mode: 'relay';
      readonly sdkKey: Secret;
      readonly endpoints: LaunchDarklyEndpoints;
      readonly initTimeoutS: number;
      readonly store: FlagStoreConfig;
    };

export type FlagMode = LaunchDarklyConfig['mode'];

/** The local flag file the fleet uses when no SDK key is set. */
export const DEFAULT_FLAGS_FILE = path.join(findProjectRoot(__dirname), 'data', 'flags.json');

const sdkKey = z
  .string()
  .max(256, 'is too long to be an SDK key')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII with no spaces')
  .refine((key) => !key.startsWith('mob-'), 'is a mobile key; use the server-side SDK key (sdk-...)');

const ENDPOINTS = ['LAUNCHDARKLY_BASE_URI', 'LAUNCHDARKLY_STREAM_URI', 'LAUNCHDARKLY_EVENTS_URI'] as const;

/**
 * `LAUNCHDARKLY_SDK_KEY_FILE`: the key read from a file (the container-secrets convention), because
 * PM2 shows every environment variable in `pm2 env`. The problem never quotes the file's content.
 */
function keyFromFile(file: string, problems: string[]): string | undefined {
  const resolved = path.resolve(file);
  let key: string;
  try {
    key = readFileSync(resolved, 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`LAUNCHDARKLY_SDK_KEY_FILE: cannot read ${resolved} (${code})`);
    return undefined;
  }
  const checked = sdkKey.safeParse(key);
  if (!checked.success) {
    const reason =
      key === '' ? 'is empty' : `holds a key that ${checked.error.issues[0]?.message ?? 'is invalid'}`;
    problems.push(`LAUNCHDARKLY_SDK_KEY_FILE: ${resolved} ${reason}`);
    return undefined;
  }
  return key;
}

/**
 * The flag client's variables: where flags come from, how long start-up waits for them, and where the
 * last known flags are kept (LAUNCHDARKLY_REDIS_*, LAUNCHDARKLY_DAEMON_MODE).
 */
export const flagConfig = configPart(
  z.object({
    LAUNCHDARKLY_SDK_KEY: sdkKey.optional(),
    LAUNCHDARKLY_SDK_KEY_FILE: z.string().optional(),
    LAUNCHDARKLY_BASE_URI: httpUrl.optional(),
    LAUNCHDARKLY_STREAM_URI: httpUrl.optional(),
    LAUNCHDARKLY_EVENTS_URI: httpUrl.optional(),
    LAUNCHDARKLY_FLAGS_FILE: z.string().default(DEFAULT_FLAGS_FILE),
    LAUNCHDARKLY_INIT_TIMEOUT_S: integer(1, 60).default(5),
    ...FLAG_STORE_VARIABLES,
  }),
  (vars, problems): LaunchDarklyConfig => {
    let key = vars.LAUNCHDARKLY_SDK_KEY;
    if (vars.LAUNCHDARKLY_SDK_KEY_FILE !== undefined) {
      if (key !== undefined) {
        problems.push('LAUNCHDARKLY_SDK_KEY_FILE: set either it or LAUNCHDARKLY_SDK_KEY, not both');
      } else {
        key = keyFromFile(vars.LAUNCHDARKLY_SDK_KEY_FILE, problems);
        // The file's problem is the one to report; do not add "a key is missing" problems to it.
        if (key === undefined) return { mode: 'file', flagsFile: '', initTimeoutS: 0 };
      }
    }
    const missing = ENDPOINTS.filter((name) => vars[name] === undefined);
    const someEndpointsSet = missing.length < ENDPOINTS.length;
    if (someEndpointsSet && missing.length > 0) {
      problems.push(
        `${missing.join(', ')}: must be set together with the other LAUNCHDARKLY_*_URI variables`,
      );
    }
    if (someEndpointsSet && key === undefined) {
      problems.push('LAUNCHDARKLY_SDK_KEY: must be set when the LAUNCHDARKLY_*_URI endpoints are set');
    }
    const initTimeoutS = vars.LAUNCHDARKLY_INIT_TIMEOUT_S;
    const store = flagStoreFrom(vars, key !== undefined, problems);
    if (key === undefined) {
      const flagsFile = path.resolve(vars.LAUNCHDARKLY_FLAGS_FILE);
      const problem = readableFileProblem('LAUNCHDARKLY_FLAGS_FILE', flagsFile);
      if (problem) problems.push(problem);
      return { mode: 'file', flagsFile, initTimeoutS };
    }
    if (!someEndpointsSet) return { mode: 'stream', sdkKey: new Secret(key), initTimeoutS, store };
    return {
      mode: 'relay',
      sdkKey: new Secret(key),
      initTimeoutS,
      store,
      endpoints: {
        baseUri: vars.LAUNCHDARKLY_BASE_URI!,
        streamUri: vars.LAUNCHDARKLY_STREAM_URI!,
        eventsUri: vars.LAUNCHDARKLY_EVENTS_URI!,
      },
    };
  },
);
