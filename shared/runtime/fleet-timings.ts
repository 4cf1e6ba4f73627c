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
  /** PM2 `kill_timeout`: SIGKILL comes only after the whole shutdown above had its chance. */
  readonly killTimeoutMs: number;
  /** PM2 `listen_timeout`: longer than the flag init wait plus start-up work. */
  readonly listenTimeoutMs: number;
}

const START_UP_MARGIN_MS = 5_000;
const SHUTDOWN_MARGIN_MS = 2_000;

export function fleetTimings(flagInitTimeoutS: number): FleetTimings {
  const idleSocketGraceMs = 1_000;
  const drainTimeoutMs = 8_000;
  const serviceStepsBudgetMs = 2_000;
  const flagFlushTimeoutMs = 3_000;
  const logFlushTimeoutMs = 1_000;
  return Object.freeze({
    idleSocketGraceMs,
    drainTimeoutMs,
    serviceStepsBudgetMs,
    flagFlushTimeoutMs,
    logFlushTimeoutMs,
    killTimeoutMs:
      drainTimeoutMs + serviceStepsBudgetMs + flagFlushTimeoutMs + logFlushTimeoutMs + SHUTDOWN_MARGIN_MS,
    listenTimeoutMs: flagInitTimeoutS * 1_000 + START_UP_MARGIN_MS,
  });
}
