import type { z } from 'zod';

/** The request a canary of the new build must answer without a 5xx, beyond `/readyz`. */
export interface CanaryRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. `/products?limit=1`. */
  readonly path: string;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/** A file the service reads once at start-up: it goes into its build fingerprint, and must be readable. */
export interface StartupFile {
  /** The variable that sets its path (relative paths resolve against the working directory). */
  readonly variable: string;
  /** Its path, relative to the project root, when the variable is unset. */
  readonly defaultPath: string;
}

/**
 * What a service may change in its PM2 app entry (ecosystem.config.js). Timeouts are not here: they
 * come from the runtime's shutdown budget, so PM2 can never cut a shutdown short.
 */
export interface Pm2Overrides {
  /** Instances of this service; FLEET_INSTANCES (default 2) otherwise. */
  readonly instances?: number | 'max';
  readonly max_memory_restart?: string;
  readonly node_args?: readonly string[];
  readonly min_uptime?: number;
  readonly max_restarts?: number;
}

/**
 * A service declares itself in its folder (`services/<name>/service.ts`) with one of these; the fleet
 * list (`services/fleet.ts`) lists them. The runtime, ecosystem.config.js, the rollout, status and the
 * container health check read everything they need to know about a service from here.
 */
export interface ServiceManifest<
  Name extends string = string,
  Env extends z.ZodObject = z.ZodObject,
  Files extends string = string,
  Calls extends string = string,
> {
  /** kebab-case; also its PM2 app name and its variables' prefix (`order-history` → `ORDER_HISTORY_PORT`). */
  readonly name: Name;
  /** Its port when `<NAME>_PORT` is unset. */
  readonly port: number;
  /** Its first metrics port when `<NAME>_METRICS_PORT` is unset; instance n serves /metrics on base + n. */
  readonly metricsPort: number;
  /**
   * Its own environment variables, validated at start-up together with the shared runtime's; a bad
   * value stops start-up naming the variable. Only these and the runtime's count for its fingerprint.
   */
  readonly env?: Env;
  /** The request a canary of its new build must answer (see CanaryRequest). */
  readonly canary: CanaryRequest;
  /**
   * The services it calls, by name. The rollout reloads them before it; each gets a `<NAME>_URL`
   * variable, defaulting to `http://127.0.0.1:<its port>`.
   */
  readonly calls: readonly Calls[];
  /** Files it reads once at start-up, by the name its code uses (`config.files.<name>`). */
  readonly startupFiles?: Readonly<Record<Files, StartupFile>>;
  readonly pm2?: Pm2Overrides;
}

/** Any manifest, whatever its own variables, files and calls. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the variance escape for a list of differently typed manifests
export type AnyServiceManifest = ServiceManifest<string, any, string, string>;

/** Identity with the literal types kept, so `config.env` and `config.files` are typed in the service. */
export function defineService<
  const Name extends string,
  Env extends z.ZodObject = z.ZodObject<Record<never, never>>,
  Files extends string = never,
  const Calls extends string = never,
>(manifest: ServiceManifest<Name, Env, Files, Calls>): ServiceManifest<Name, Env, Files, Calls> {
  return Object.freeze(manifest);
}
