import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

import {
  configPart,
  findProjectRoot,
  originUrl,
  portNumber,
  readConfig,
  readableFileProblem,
  variablesOf,
  type ConfigPart,
  withoutEmptyValues,
  type Env,
} from '../config';
import { flagConfig, type LaunchDarklyConfig } from '../flags';
import {
  callerLevels,
  callersOf,
  metricsPortVariable,
  resolvePorts,
  portVariable,
  urlVariable,
  type AnyServiceManifest,
  type ServiceManifest,
} from '../fleet';
import { logConfig, type LogConfig } from '../logging';
import { fleetTimings, type FleetTimings } from './fleet-timings';
import { hostConfig, httpOrigin, type HostSettings } from './host-config';
import { pm2Config } from './pm2-config';

type EnvOf<M> = M extends ServiceManifest<string, infer Env, string, string> ? z.output<Env> : never;
type FilesOf<M> = M extends ServiceManifest<string, z.ZodObject, infer Files, string> ? Files : never;
type CallsOf<M> = M extends ServiceManifest<string, z.ZodObject, string, infer Calls> ? Calls : never;

/** One instance's configuration: read once at start-up, validated, frozen. */
export interface ServiceConfig<M extends AnyServiceManifest = AnyServiceManifest> {
  readonly service: string;
  /** PM2's NODE_APP_INSTANCE (0..N-1 within one app); "0" outside PM2, a label for a canary. */
  readonly instance: string;
  /** The port this service listens on (`<NAME>_PORT`, or its manifest's). */
  readonly port: number;
  /** This instance's own Prometheus port: its service's base (`<NAME>_METRICS_PORT`) + NODE_APP_INSTANCE. */
  readonly metricsPort: number;
  /** The origin of each service it calls: `<CALLEE>_URL`, or that service's port on this host. */
  readonly upstreams: Readonly<Record<CallsOf<M>, string>>;
  /** Each file it reads at start-up, resolved. */
  readonly files: Readonly<Record<FilesOf<M>, string>>;
  /** Its own variables, as its manifest's schema made them. */
  readonly env: Readonly<EnvOf<M>>;
  readonly launchDarkly: LaunchDarklyConfig;
  readonly log: LogConfig;
  readonly timings: FleetTimings;
  /** BIND_ADDRESS and DRAIN_DELAY_MS (host-config.ts). */
  readonly host: HostSettings;
  /**
   * The ports that tell it the services calling it on this host are done (a whole-host stop waits
   * for them): each caller's service port, and each caller instance's metrics port, which an instance
   * closes only once its drain is over.
   */
  readonly callerPorts: readonly number[];
  /** The ports of the services it calls, on this host: it starts serving once they answer. */
  readonly calleePorts: readonly number[];
}

const projectRoot = findProjectRoot(__dirname);

/** The parts every service reads, whatever it is. */
export const SHARED_CONFIG_PARTS = Object.freeze({
  launchDarkly: flagConfig,
  log: logConfig,
  host: hostConfig,
});

function instancePart(manifest: AnyServiceManifest) {
  const portVar = portVariable(manifest.name);
  const metricsVar = metricsPortVariable(manifest.name);
  return configPart(
    z.object({
      [portVar]: portNumber.default(manifest.port),
      [metricsVar]: portNumber.default(manifest.metricsPort),
      NODE_APP_INSTANCE: z
        .string()
        .regex(
          /^(\d+|[a-z][a-z0-9-]{0,31})$/,
          'must be a whole number (PM2 sets it) or a short label such as canary',
        )
        .default('0'),
    }),
    (vars, problems) => {
      const instance = vars.NODE_APP_INSTANCE as string;
      // From NODE_APP_INSTANCE, not PM2's `increment_var`: `pm2 reload ecosystem.config.js` resets an
      // incremented variable to its base in every instance, which would then all share one port.
      // A labelled instance outside PM2 (the rollout's canary) has no offset.
      const offset = /^\d+$/.test(instance) ? Number(instance) : 0;
      const metricsPort = (vars[metricsVar] as number) + offset;
      if (metricsPort > 65_535) problems.push(`${metricsVar}: instance ${instance} is past port 65535`);
      return { instance, port: vars[portVar] as number, metricsPort };
    },
  );
}

function upstreamsPart(manifest: AnyServiceManifest, fleet: readonly AnyServiceManifest[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const callee of manifest.calls) {
    shape[urlVariable(callee)] = originUrl.optional();
    const known = fleet.find((candidate) => candidate.name === callee);
    if (known) shape[portVariable(callee)] = portNumber.default(known.port);
  }
  // Each callee's origin, once the host's own address is known (a callee on this host listens there).
  return configPart(z.object(shape), (vars, problems) => {
    const upstreams: Record<string, { url?: string; port?: number }> = {};
    for (const callee of manifest.calls) {
      const url = vars[urlVariable(callee)] as string | undefined;
      const port = vars[portVariable(callee)] as number | undefined;
      if (url !== undefined) upstreams[callee] = { url };
      else if (port !== undefined) upstreams[callee] = { port };
      else problems.push(`${urlVariable(callee)}: must be set: ${callee} is not in this fleet list`);
    }
    return upstreams;
  });
}

/**
 * The ports that tell this service its callers on this host are done (each caller's service port,
 * and each caller instance's metrics port): read from the environment the way the rollout and the
 * container health check read another service's ports (resolvePorts), with the callers' manifest
 * defaults. Not this service's own configuration: it never fails start-up, and is not part of its
 * build fingerprint or PM2 env block (a caller's variables are the caller's).
 */
function callerPortsOf(
  manifest: AnyServiceManifest,
  fleet: readonly AnyServiceManifest[],
  env: Env,
): number[] {
  const fleetInstances = pm2Config.schema.shape.FLEET_INSTANCES.safeParse(
    withoutEmptyValues(env).FLEET_INSTANCES,
  );
  return callersOf(fleet, manifest.name).flatMap((caller) => {
    const { port, metricsPort } = resolvePorts(caller, env);
    const count = caller.pm2?.instances ?? (fleetInstances.success ? fleetInstances.data : 2);
    const instances = count === 'max' ? os.availableParallelism() : count;
    return [port, ...Array.from({ length: instances }, (_, index) => metricsPort + index)];
  });
}

function filesPart(manifest: AnyServiceManifest) {
  const files = Object.entries(manifest.startupFiles ?? {});
  const shape: Record<string, z.ZodType> = {};
  for (const [, file] of files) {
    shape[file.variable] = z.string().default(path.join(projectRoot, file.defaultPath));
  }
  return configPart(z.object(shape), (vars, problems) => {
    const resolved: Record<string, string> = {};
    for (const [name, file] of files) {
      resolved[name] = path.resolve(vars[file.variable] as string);
      const problem = readableFileProblem(file.variable, resolved[name]);
      if (problem) problems.push(problem);
    }
    return resolved;
  });
}

/** The parts only this service reads: its ports and instance, its upstreams, its files, its own variables. */
export function ownConfigParts(manifest: AnyServiceManifest, fleet: readonly AnyServiceManifest[]) {
  return {
    instance: instancePart(manifest),
    upstreams: upstreamsPart(manifest, fleet),
    files: filesPart(manifest),
    env: configPart(manifest.env ?? z.object({}), (vars) => vars),
  } satisfies Record<string, ConfigPart<unknown>>;
}

/**
 * Every variable an instance of the service reads: the shared runtime's and its manifest's. Only these
 * count for its build fingerprint and travel in its PM2 `env` block.
 */
export function serviceVariables(
  manifest: AnyServiceManifest,
  fleet: readonly AnyServiceManifest[],
): readonly string[] {
  return variablesOf({ ...SHARED_CONFIG_PARTS, ...ownConfigParts(manifest, fleet) });
}

/**
 * Reads the configuration of one instance of `manifest`'s service once; throws a ConfigError listing
 * every problem, each naming its variable.
 */
export function loadServiceConfig<M extends AnyServiceManifest>(
  env: Env,
  manifest: M,
  fleet: readonly AnyServiceManifest[],
): ServiceConfig<M> {
  const parts = readConfig(env, { ...SHARED_CONFIG_PARTS, ...ownConfigParts(manifest, fleet) });
  const { host } = parts;
  const upstreams = Object.fromEntries(
    Object.entries(parts.upstreams).map(([callee, { url, port }]) => [
      callee,
      url ?? httpOrigin(host.localAddress, port!),
    ]),
  );
  return Object.freeze({
    service: manifest.name,
    instance: parts.instance.instance,
    port: parts.instance.port,
    metricsPort: parts.instance.metricsPort,
    upstreams: Object.freeze(upstreams) as ServiceConfig<M>['upstreams'],
    files: parts.files as ServiceConfig<M>['files'],
    env: parts.env as ServiceConfig<M>['env'],
    launchDarkly: parts.launchDarkly,
    log: parts.log,
    timings: fleetTimings(parts.launchDarkly.initTimeoutS, {
      drainDelayMs: host.drainDelayMs,
      callerLevels: callerLevels(fleet, manifest.name),
    }),
    host,
    callerPorts: callerPortsOf(manifest, fleet, env),
    // Only callees on this host: one reached through its own <NAME>_URL is someone else's to start.
    calleePorts: Object.values(parts.upstreams)
      .filter((upstream) => upstream.url === undefined)
      .map((upstream) => upstream.port!),
  });
}
