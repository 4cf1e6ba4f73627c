/**
 * Every deadline of an instance's life, in one place, so that PM2's timers (ecosystem.config.js)
 * and the service runner cannot drift apart: `listen_timeout` must exceed the flag init wait, and
 * `kill_timeout` must exceed the whole shutdown, or PM2 cuts an instance off mid-way.
 */
export interface FleetTimings {
  /** Sockets idle when draining starts are closed only after this, so a client reusing one is not raced. */
  readonly idleSocketGraceMs: number;
  /** In-flight requests get this long; then the backstop force-closes what is left. */
  readonly drainTimeoutMs: number;
  /** What every shutdown step a service registered (closing its pools, clients) may take together. */
  readonly serviceStepsBudgetMs: number;
  /** Upper bound on delivering the last analytics events. */
  readonly flagFlushTimeoutMs: number;
  /** Upper bound on writing out buffered log lines. */
  readonly logFlushTimeoutMs: number;
  /** On a whole-host stop: `/readyz` answers 503 this long, still serving, before draining (DRAIN_DELAY_MS). */
  readonly drainDelayMs: number;
  /**
   * On a whole-host stop: how long a service waits for the services that call it to finish theirs
   * (0 for an edge service), one whole shutdown per level of callers above it.
   */
  readonly callerWaitTimeoutMs: number;
  /** PM2 `kill_timeout`: SIGKILL comes only after the whole shutdown above had its chance. */
  readonly killTimeoutMs: number;
  /** PM2 `listen_timeout`: longer than the flag init wait plus start-up work. */
  readonly listenTimeoutMs: number;
}

const START_UP_MARGIN_MS = 5_000;
const SHUTDOWN_MARGIN_MS = 2_000;

/** What a whole-host stop adds before an instance drains; both 0 for a lone edge service. */
export interface HostStopTimings {
  /** DRAIN_DELAY_MS. */
  readonly drainDelayMs: number;
  /** Levels of callers above the service (shared/fleet/call-graph.ts). */
  readonly callerLevels: number;
}

export function fleetTimings(
  flagInitTimeoutS: number,
  { drainDelayMs, callerLevels }: HostStopTimings = { drainDelayMs: 0, callerLevels: 0 },
): FleetTimings {
  const idleSocketGraceMs = 1_000;
  const drainTimeoutMs = 8_000;
  const serviceStepsBudgetMs = 2_000;
  const flagFlushTimeoutMs = 3_000;
  const logFlushTimeoutMs = 1_000;
  // One instance's shutdown once it starts draining, within its share of kill_timeout.
  const shutdownMs =
    drainTimeoutMs + serviceStepsBudgetMs + flagFlushTimeoutMs + logFlushTimeoutMs + SHUTDOWN_MARGIN_MS;
  // Callers got the stop together with this service and spend the same drain delay, so by the time
  // this one would drain, each level of callers above it has at most its own shutdown left.
  const callerWaitTimeoutMs = callerLevels * shutdownMs;
  return Object.freeze({
    idleSocketGraceMs,
    drainTimeoutMs,
    serviceStepsBudgetMs,
    flagFlushTimeoutMs,
    logFlushTimeoutMs,
    drainDelayMs,
    callerWaitTimeoutMs,
    killTimeoutMs: drainDelayMs + callerWaitTimeoutMs + shutdownMs,
    listenTimeoutMs: flagInitTimeoutS * 1_000 + START_UP_MARGIN_MS,
  });
}
