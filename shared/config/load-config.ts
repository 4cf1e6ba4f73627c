import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

import { ConfigError } from './config-error';
import { fleetTimings, type FleetTimings } from './fleet-timings';
import { HOST_VARIABLES, hostSettings, httpOrigin, type HostSettings } from './host-settings';
import { findProjectRoot } from './project-root';
import { Secret } from './secret';
import { calleesOfService, callerLevelsOf, callersOfService } from './service-calls';

export const SERVICE_NAMES = ['gateway', 'catalog', 'pricing'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Each service's port when its `<SERVICE>_PORT` variable is unset. */
export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = Object.freeze({
  gateway: 3000,
  catalog: 3001,
  pricing: 3002,
});

/** `CATALOG_PORT`: the variable that sets a service's port. */
export function portVariable(service: ServiceName): `${Uppercase<ServiceName>}_PORT` {
  return `${service.toUpperCase() as Uppercase<ServiceName>}_PORT`;
}

export function metricsPortVariable(service: ServiceName): `${Uppercase<ServiceName>}_METRICS_PORT` {
  return `${service.toUpperCase() as Uppercase<ServiceName>}_METRICS_PORT`;
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'text';

export interface LaunchDarklyEndpoints {
  readonly baseUri: string;
  readonly streamUri: string;
  readonly eventsUri: string;
}

/** How the flag client gets its data: LaunchDarkly itself, a Relay Proxy (or double), or a local file. */
export type LaunchDarklyConfig =
  | { readonly mode: 'file'; readonly flagsFile: string; readonly initTimeoutS: number }
  | { readonly mode: 'stream'; readonly sdkKey: Secret; readonly initTimeoutS: number }
  | {
      readonly mode: 'relay';
      readonly sdkKey: Secret;
      readonly endpoints: LaunchDarklyEndpoints;
      readonly initTimeoutS: number;
    };

export type FlagMode = LaunchDarklyConfig['mode'];

export interface FleetConfig {
  readonly service: ServiceName;
  /** PM2's NODE_APP_INSTANCE (0..N-1 within one app); "0" outside PM2. */
  readonly instance: string;
  /** The port this service listens on. */
  readonly port: number;
  readonly ports: Readonly<Record<ServiceName, number>>;
  /** This instance's own Prometheus port: its service's base + its NODE_APP_INSTANCE. */
  readonly metricsPort: number;
  /** Each service's first metrics port; instance n of a service listens on base + n. */
  readonly metricsPorts: Readonly<Record<ServiceName, number>>;
  readonly upstreams: {
    readonly catalogUrl: string;
    readonly pricingUrl: string;
    readonly timeoutMs: number;
  };
  readonly fleetInstances: number | 'max';
  readonly productsFile: string;
  readonly launchDarkly: LaunchDarklyConfig;
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
  readonly timings: FleetTimings;
  /** BIND_ADDRESS and DRAIN_DELAY_MS (host-settings.ts). */
  readonly host: HostSettings;
  /** The fleet's services that call this one (service-calls.ts): a whole-host stop waits for them. */
  readonly callers: readonly ServiceName[];
  /** The fleet's services this one calls: it starts serving once they answer on this host. */
  readonly callees: readonly ServiceName[];
}

/** The product data file of the project at `root`, when PRODUCTS_FILE is unset. */
export function defaultProductsFile(root: string): string {
  return path.join(root, 'data', 'products.json');
}

/** Whether a service reads the product data file (once, at start-up). */
export function readsProductData(service: ServiceName): boolean {
  return service !== 'gateway';
}

const projectRoot = findProjectRoot();
export const DEFAULT_FLAGS_FILE = path.join(projectRoot, 'data', 'flags.json');
export const DEFAULT_PRODUCTS_FILE = defaultProductsFile(projectRoot);

function integer(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
}

const port = (fallback: number) => integer(1, 65_535).default(fallback);
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });
/** A service's origin: request paths are appended to it, so a path of its own would be lost. */
const originUrl = httpUrl.refine(
  (url) => ['', '/'].includes(new URL(url).pathname) && new URL(url).search === '',
  'must be an origin such as http://host:3001, without a path or query',
);

const sdkKey = z
  .string()
  .max(256, 'is too long to be an SDK key')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII with no spaces')
  .refine((key) => !key.startsWith('mob-'), 'is a mobile key; use the server-side SDK key (sdk-...)');

const envSchema = z.object({
  LAUNCHDARKLY_SDK_KEY: sdkKey.optional(),
  LAUNCHDARKLY_BASE_URI: httpUrl.optional(),
  LAUNCHDARKLY_STREAM_URI: httpUrl.optional(),
  LAUNCHDARKLY_EVENTS_URI: httpUrl.optional(),
  LAUNCHDARKLY_FLAGS_FILE: z.string().default(DEFAULT_FLAGS_FILE),
  LAUNCHDARKLY_INIT_TIMEOUT_S: integer(1, 60).default(5),
  GATEWAY_PORT: port(DEFAULT_PORTS.gateway),
  CATALOG_PORT: port(DEFAULT_PORTS.catalog),
  PRICING_PORT: port(DEFAULT_PORTS.pricing),
  GATEWAY_METRICS_PORT: port(9100),
  CATALOG_METRICS_PORT: port(9200),
  PRICING_METRICS_PORT: port(9300),
  CATALOG_URL: originUrl.optional(),
  PRICING_URL: originUrl.optional(),
  // Below the 8 s drain deadline, so a rollout never cuts a gateway call still waiting upstream.
  UPSTREAM_TIMEOUT_MS: integer(100, 5_000).default(3_000),
  FLEET_INSTANCES: z
    .union([z.literal('max'), integer(1, 256)], { message: 'must be "max" or a whole number from 1 to 256' })
    .default(2),
  PRODUCTS_FILE: z.string().default(DEFAULT_PRODUCTS_FILE),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  LOG_FORMAT: z.enum(['json', 'text'], { message: 'must be json or text' }).default('text'),
  NODE_APP_INSTANCE: z
    .string()
    .regex(
      /^(\d+|[a-z][a-z0-9-]{0,31})$/,
      'must be a whole number (PM2 sets it) or a short label such as canary',
    )
    .default('0'),
  ...HOST_VARIABLES,
});

/** Every environment variable the configuration reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze([
  ...Object.keys(envSchema.shape),
  'LAUNCHDARKLY_SDK_KEY_FILE',
]);

type Env = Readonly<Record<string, string | undefined>>;

/** Unset and empty are the same to a shell user (`FOO= pm2 start`), so both mean "use the default". */
function withoutEmptyValues(env: Env): Record<string, string> {
  const cleaned: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') cleaned[name] = value.trim();
  }
  return cleaned;
}

function readableFileProblem(variable: string, file: string): string | undefined {
  try {
    accessSync(file, fsConstants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return `${variable}: cannot read ${file} (${code})`;
  }
}

/**
 * `LAUNCHDARKLY_SDK_KEY_FILE`: the key read from a file (the container-secrets convention), because
 * PM2 shows every environment variable in `pm2 env`. Returns the environment with the key filled in,
 * or the problem, which never quotes the file's content.
 */
function withSdkKeyFromFile(env: Record<string, string>): { env: Record<string, string>; problem?: string } {
  const file = env.LAUNCHDARKLY_SDK_KEY_FILE;
  if (file === undefined) return { env };
  if (env.LAUNCHDARKLY_SDK_KEY !== undefined) {
    return { env, problem: 'LAUNCHDARKLY_SDK_KEY_FILE: set either it or LAUNCHDARKLY_SDK_KEY, not both' };
  }
  let key: string;
  try {
    key = readFileSync(path.resolve(file), 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { env, problem: `LAUNCHDARKLY_SDK_KEY_FILE: cannot read ${path.resolve(file)} (${code})` };
  }
  const checked = sdkKey.safeParse(key);
  if (!checked.success) {
    const reason =
      key === '' ? 'is empty' : `holds a key that ${checked.error.issues[0]?.message ?? 'is invalid'}`;
    return { env, problem: `LAUNCHDARKLY_SDK_KEY_FILE: ${path.resolve(file)} ${reason}` };
  }
  return { env: { ...env, LAUNCHDARKLY_SDK_KEY: key } };
}

/** How many instances PM2 starts per service; `max` is one per CPU. */
function instanceCount(fleetInstances: number | 'max'): number {
  return fleetInstances === 'max' ? os.availableParallelism() : fleetInstances;
}

/**
 * Each service's metrics ports are a range, base .. base + instances - 1, so the ranges must fit,
 * and must not overlap each other or a service port: PM2's cluster master would share the port and
 * hand a scrape to whichever instance it likes.
 */
function metricsPortProblems(
  vars: Readonly<Record<`${Uppercase<ServiceName>}_${'PORT' | 'METRICS_PORT'}`, number>>,
  instances: number,
): string[] {
  const problems: string[] = [];
  const names = ['GATEWAY_METRICS_PORT', 'CATALOG_METRICS_PORT', 'PRICING_METRICS_PORT'] as const;
  const servicePorts = ['GATEWAY_PORT', 'CATALOG_PORT', 'PRICING_PORT'] as const;
  for (const [index, name] of names.entries()) {
    const first = vars[name];
    const last = first + instances - 1;
    if (last > 65_535) {
      problems.push(`${name}: ${first} + ${instances} instances runs past port 65535`);
      continue;
    }
    const clash = names
      .slice(0, index)
      .find((other) => vars[other] <= last && first <= vars[other] + instances - 1);
    if (clash) problems.push(`${name}: ports ${first}-${last} overlap ${clash}'s range`);
    const servicePort = servicePorts.find((other) => vars[other] >= first && vars[other] <= last);
    if (servicePort) problems.push(`${name}: ports ${first}-${last} include ${servicePort}`);
  }
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Secret) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads the environment once, validates every variable and returns a frozen, typed config.
 * Throws a ConfigError that lists every problem, each naming its variable; values are never echoed,
 * so a mistyped SDK key cannot end up in a log.
 */
export function loadConfig(env: Env, service: ServiceName): FleetConfig {
  const keyed = withSdkKeyFromFile(withoutEmptyValues(env));
  const parsed = envSchema.safeParse(keyed.env);
  const problems: string[] = keyed.problem === undefined ? [] : [keyed.problem];
  if (!parsed.success) {
    throw new ConfigError([
      ...problems,
      ...parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`),
    ]);
  }
  const vars = parsed.data;

  const endpointNames = [
    'LAUNCHDARKLY_BASE_URI',
    'LAUNCHDARKLY_STREAM_URI',
    'LAUNCHDARKLY_EVENTS_URI',
  ] as const;
  const missingEndpoints = endpointNames.filter((name) => vars[name] === undefined);
  const someEndpointsSet = missingEndpoints.length < endpointNames.length;
  if (someEndpointsSet && missingEndpoints.length > 0) {
    problems.push(
      `${missingEndpoints.join(', ')}: must be set together with the other LAUNCHDARKLY_*_URI variables`,
    );
  }
  if (someEndpointsSet && vars.LAUNCHDARKLY_SDK_KEY === undefined) {
    problems.push('LAUNCHDARKLY_SDK_KEY: must be set when the LAUNCHDARKLY_*_URI endpoints are set');
  }

  const portNames = ['GATEWAY_PORT', 'CATALOG_PORT', 'PRICING_PORT'] as const;
  for (const [index, name] of portNames.entries()) {
    const clash = portNames.slice(0, index).find((other) => vars[other] === vars[name]);
    // PM2's cluster master shares one socket per port: two services on it would split its traffic.
    if (clash) problems.push(`${name}: ${vars[name]} is already ${clash}; every service needs its own port`);
  }

  problems.push(...metricsPortProblems(vars, instanceCount(vars.FLEET_INSTANCES)));
  const metricsPorts = {
    gateway: vars.GATEWAY_METRICS_PORT,
    catalog: vars.CATALOG_METRICS_PORT,
    pricing: vars.PRICING_METRICS_PORT,
  };
  // From NODE_APP_INSTANCE, not PM2's `increment_var`: `pm2 reload ecosystem.config.js` resets an
  // incremented variable to its base in every instance, which would then all share one port.
  // A labelled instance outside PM2 (the rollout's canary) has no offset.
  const instanceOffset = /^\d+$/.test(vars.NODE_APP_INSTANCE) ? Number(vars.NODE_APP_INSTANCE) : 0;
  const metricsPort = metricsPorts[service] + instanceOffset;
  if (metricsPort > 65_535) {
    problems.push(
      `${service.toUpperCase()}_METRICS_PORT: instance ${vars.NODE_APP_INSTANCE} is past port 65535`,
    );
  }

  const flagsFile = path.resolve(vars.LAUNCHDARKLY_FLAGS_FILE);
  const productsFile = path.resolve(vars.PRODUCTS_FILE);
  if (vars.LAUNCHDARKLY_SDK_KEY === undefined) {
    const problem = readableFileProblem('LAUNCHDARKLY_FLAGS_FILE', flagsFile);
    if (problem) problems.push(problem);
  }
  if (readsProductData(service)) {
    const problem = readableFileProblem('PRODUCTS_FILE', productsFile);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const initTimeoutS = vars.LAUNCHDARKLY_INIT_TIMEOUT_S;
  let launchDarkly: LaunchDarklyConfig;
  if (vars.LAUNCHDARKLY_SDK_KEY === undefined) {
    launchDarkly = { mode: 'file', flagsFile, initTimeoutS };
  } else if (someEndpointsSet) {
    launchDarkly = {
      mode: 'relay',
      sdkKey: new Secret(vars.LAUNCHDARKLY_SDK_KEY),
      initTimeoutS,
      endpoints: {
        baseUri: vars.LAUNCHDARKLY_BASE_URI!,
        streamUri: vars.LAUNCHDARKLY_STREAM_URI!,
        eventsUri: vars.LAUNCHDARKLY_EVENTS_URI!,
      },
    };
  } else {
    launchDarkly = { mode: 'stream', sdkKey: new Secret(vars.LAUNCHDARKLY_SDK_KEY), initTimeoutS };
  }

  const ports = { gateway: vars.GATEWAY_PORT, catalog: vars.CATALOG_PORT, pricing: vars.PRICING_PORT };
  const host = hostSettings(vars);
  return deepFreeze({
    service,
    instance: vars.NODE_APP_INSTANCE,
    port: ports[service],
    ports,
    metricsPort,
    metricsPorts,
    upstreams: {
      catalogUrl: vars.CATALOG_URL ?? httpOrigin(host.localAddress, ports.catalog),
      pricingUrl: vars.PRICING_URL ?? httpOrigin(host.localAddress, ports.pricing),
      timeoutMs: vars.UPSTREAM_TIMEOUT_MS,
    },
    fleetInstances: vars.FLEET_INSTANCES,
    productsFile,
    launchDarkly,
    log: { level: vars.LOG_LEVEL, format: vars.LOG_FORMAT },
    timings: fleetTimings(initTimeoutS, {
      drainDelayMs: host.drainDelayMs,
      callerLevels: callerLevelsOf(service),
    }),
    host,
    callers: callersOfService(service),
    callees: calleesOfService(service),
  });
}
