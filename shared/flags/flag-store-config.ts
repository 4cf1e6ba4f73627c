import { z } from 'zod';

import { Secret, integer } from '../config';

/**
 * Where the flag client keeps flags besides its own memory: nowhere (the default), or Redis.
 *
 * - `last-known`: every streaming instance writes each full data set and change to Redis, and an
 *   instance that starts while LaunchDarkly is unreachable serves what Redis holds ("stored") until
 *   its stream delivers. Evaluations always read the instance's memory, never Redis.
 * - `daemon`: the Relay Proxy's daemon mode. No stream at all: flags come only from Redis, written by
 *   a Relay Proxy (or any streaming writer with the same prefix), re-read after `cacheTtlS`.
 */
export type FlagStoreConfig =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'redis';
      readonly use: 'last-known';
      /** May carry a password: kept as a Secret. */
      readonly url: Secret;
      readonly prefix: string;
    }
  | {
      readonly kind: 'redis';
      readonly use: 'daemon';
      readonly url: Secret;
      readonly prefix: string;
      /** How long an instance serves a flag before reading it from Redis again: the freshness budget. */
      readonly cacheTtlS: number;
    };

export type RedisFlagStoreConfig = Extract<FlagStoreConfig, { kind: 'redis' }>;

/** The SDK's and Relay's default key prefix. */
export const DEFAULT_REDIS_PREFIX = 'launchdarkly';
/** The SDK's default cache TTL for persistent stores. */
export const DEFAULT_DAEMON_CACHE_TTL_S = 30;

const URL_MESSAGE = 'must be a redis:// or rediss:// URL with a host, such as redis://127.0.0.1:6379';

/**
 * The flag store's variables, part of the flag client's config part (flag-config.ts). The URL's
 * message never quotes the value: it may hold a password.
 */
export const FLAG_STORE_VARIABLES = {
  LAUNCHDARKLY_REDIS_URL: z
    .string()
    .refine((value) => {
      try {
        const url = new URL(value);
        return ['redis:', 'rediss:'].includes(url.protocol) && url.hostname !== '';
      } catch {
        return false;
      }
    }, URL_MESSAGE)
    .optional(),
  LAUNCHDARKLY_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1 to 100 letters, digits, or . _ : -')
    .optional(),
  LAUNCHDARKLY_REDIS_CACHE_TTL_S: integer(0, 3600).optional(),
  LAUNCHDARKLY_DAEMON_MODE: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
};

type FlagStoreVariables = z.output<z.ZodObject<typeof FLAG_STORE_VARIABLES>>;

/**
 * The flag store from its validated variables. `withSdkKey`: whether the flag client talks to
 * LaunchDarkly (a store means nothing with the local flag file). A combination that cannot work
 * pushes a problem naming its variable.
 */
export function flagStoreFrom(
  vars: FlagStoreVariables,
  withSdkKey: boolean,
  problems: string[],
): FlagStoreConfig {
  const daemon = vars.LAUNCHDARKLY_DAEMON_MODE === 'true';
  if (vars.LAUNCHDARKLY_REDIS_URL === undefined) {
    const needsUrl = {
      LAUNCHDARKLY_REDIS_PREFIX: vars.LAUNCHDARKLY_REDIS_PREFIX !== undefined,
      LAUNCHDARKLY_REDIS_CACHE_TTL_S: vars.LAUNCHDARKLY_REDIS_CACHE_TTL_S !== undefined,
      LAUNCHDARKLY_DAEMON_MODE: daemon,
    };
    for (const [name, set] of Object.entries(needsUrl)) {
      if (set) problems.push(`${name}: needs LAUNCHDARKLY_REDIS_URL`);
    }
    return { kind: 'memory' };
  }
  if (!withSdkKey) {
    problems.push(
      'LAUNCHDARKLY_REDIS_URL: needs LAUNCHDARKLY_SDK_KEY (with the local flag file there is nothing to store)',
    );
  }
  if (!daemon && vars.LAUNCHDARKLY_REDIS_CACHE_TTL_S !== undefined) {
    problems.push(
      'LAUNCHDARKLY_REDIS_CACHE_TTL_S: applies only with LAUNCHDARKLY_DAEMON_MODE=true ' +
        '(streaming instances evaluate from memory and never re-read Redis)',
    );
  }
  const url = new Secret(vars.LAUNCHDARKLY_REDIS_URL);
  const prefix = vars.LAUNCHDARKLY_REDIS_PREFIX ?? DEFAULT_REDIS_PREFIX;
  if (!daemon) return { kind: 'redis', use: 'last-known', url, prefix };
  const cacheTtlS = vars.LAUNCHDARKLY_REDIS_CACHE_TTL_S ?? DEFAULT_DAEMON_CACHE_TTL_S;
  return { kind: 'redis', use: 'daemon', url, prefix, cacheTtlS };
}
