import { callOrder, type CallingService } from '../../shared/fleet';

/** One running instance of the fleet, as PM2 lists it, reduced to what the rollout needs. */
export interface FleetInstance {
  readonly service: string;
  readonly pmId: number;
  /** 0 when PM2 has no process for it (stopped, errored). */
  readonly pid: number;
  readonly status: string;
  /** PM2's restart count: a reload adds exactly 1; a crash adds more. */
  readonly restarts: number;
  /** `NODE_APP_INSTANCE`: with the service name, the instance's `X-Served-By` (`orders#1`). */
  readonly instanceVar: string;
  /** The file PM2 runs for it (a reload loads this file anew). */
  readonly script: string;
  readonly cwd: string;
  readonly nodeArgs: readonly string[];
  /**
   * What the running worker has in `process.env`: PM2 sets every top-level `pm2_env` field there
   * (ProcessContainer.js), `env` merged in at its start. After `pm2 reload ecosystem.config.js`, PM2's
   * `pm2_env.env` holds only the ecosystem's own block while these keep the values the worker runs
   * with; a reload starts the new worker from these, extended by that `env`. So the rollout reads the
   * worker's configuration here, never in `pm2_env.env`. PM2's own fields (pm_id, status…) are here too.
   */
  readonly workerEnv: Readonly<Record<string, string>>;
  /** PM2 `listen_timeout`, when set. */
  readonly listenTimeoutMs: number | undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function stringsOf(value: unknown): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, entry] of Object.entries(record(value) ?? {})) {
    if (typeof entry === 'string') strings[key] = entry;
    else if (typeof entry === 'number' || typeof entry === 'boolean') strings[key] = String(entry);
  }
  return strings;
}

/**
 * Reads one entry of PM2's process list (`pm2.list()`, `pm2 jlist`); undefined for a process that
 * is not one of the fleet's `services` (another app, a PM2 module such as pm2-logrotate).
 */
export function toFleetInstance(raw: unknown, services: readonly string[]): FleetInstance | undefined {
  const entry = record(raw);
  const pm2Env = record(entry?.pm2_env);
  const name = entry?.name;
  if (!entry || !pm2Env || typeof name !== 'string' || !services.includes(name)) return undefined;
  if (typeof entry.pm_id !== 'number') return undefined;
  const nodeArgs = Array.isArray(pm2Env.node_args)
    ? pm2Env.node_args.filter((arg): arg is string => typeof arg === 'string')
    : [];
  return {
    service: name,
    pmId: entry.pm_id,
    pid: typeof entry.pid === 'number' ? entry.pid : 0,
    status: typeof pm2Env.status === 'string' ? pm2Env.status : 'unknown',
    restarts: typeof pm2Env.restart_time === 'number' ? pm2Env.restart_time : 0,
    instanceVar: String(pm2Env.NODE_APP_INSTANCE ?? '0'),
    script: typeof pm2Env.pm_exec_path === 'string' ? pm2Env.pm_exec_path : '',
    cwd: typeof pm2Env.pm_cwd === 'string' ? pm2Env.pm_cwd : process.cwd(),
    nodeArgs,
    workerEnv: stringsOf(pm2Env),
    listenTimeoutMs: typeof pm2Env.listen_timeout === 'number' ? pm2Env.listen_timeout : undefined,
  };
}

/** `orders#1`: how the instance names itself in `X-Served-By`. */
export function servedByOf(instance: Pick<FleetInstance, 'service' | 'instanceVar'>): string {
  return `${instance.service}#${instance.instanceVar}`;
}

/**
 * Each service after the services it calls (the fleet list's `calls`), so a new caller meets new
 * callees; within a service, by pm_id.
 */
export function reloadOrder(
  instances: readonly FleetInstance[],
  fleet: readonly CallingService[],
): FleetInstance[] {
  const rank = new Map(callOrder(fleet).map((service, index) => [service.name, index]));
  const rankOf = (instance: FleetInstance) => rank.get(instance.service) ?? rank.size;
  return [...instances].sort((a, b) => rankOf(a) - rankOf(b) || a.pmId - b.pmId);
}
