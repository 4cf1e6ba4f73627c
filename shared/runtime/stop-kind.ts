import type { StopSignal } from './process-port';

/**
 * What a stop means for the load balancer in front of the host.
 *
 * - `reload`: one worker of several is replaced (`pm2 reload` sends the old worker SIGINT) and PM2
 *   keeps the port open with the others: drain at once, as fast as before.
 * - `host`: the whole host's fleet stops (`pm2 stop`/`delete`/`kill`, `pm2-runtime` on SIGTERM, a
 *   container or service manager's SIGTERM): leave the balancer first (DRAIN_DELAY_MS), wait for the
 *   services that call this one, then drain.
 *
 * PM2 tells them apart for us: with `shutdown_with_message` (ecosystem.config.js) its stops send the
 * `shutdown` message, but a reload never does: the old worker's pm_id is then the string `_old_N`,
 * and PM2 only sends the message to numeric ids (lib/God/Methods.js killProcess), so it sends SIGINT.
 */
export type StopKind = 'reload' | 'host';

export function stopKindOfSignal(signal: StopSignal): StopKind {
  return signal === 'SIGINT' ? 'reload' : 'host';
}

/** PM2's stop message (shutdown_with_message); always a stop of the whole app, never a reload. */
export const SHUTDOWN_MESSAGE = 'shutdown';
