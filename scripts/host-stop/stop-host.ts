import type { Pm2Process } from '../../shared/ops';

/** The PM2 operations a whole-host stop needs; tests give a fake. */
export interface HostStopControl {
  list(): Promise<Pm2Process[]>;
  /** Asks one instance to answer `/readyz` 503 from now on, still serving (shared/ops/leave-protocol.ts). */
  leave(pmId: number): Promise<void>;
  /** `pm2 stop <pm_id>` (or `pm2 delete`): PM2 sends the shutdown message, resolves once the process is gone. */
  stop(pmId: number, remove: boolean): Promise<void>;
}

export interface HostStopOptions {
  /** Remove the apps from PM2's list too (`npm run fleet:stop`); otherwise they stay, stopped (`npm run drain`). */
  readonly remove: boolean;
}

/**
 * Stops the host's whole fleet so that no request fails: first every instance leaves the load
 * balancer at once (`/readyz` 503 while it keeps serving; each waits out DRAIN_DELAY_MS before it
 * drains), then the services stop group by group in `order`, callers before the services they call,
 * so no service stops while one that calls it still answers. Returns the exit code.
 */
export async function stopHost(
  control: HostStopControl,
  order: readonly (readonly string[])[],
  options: HostStopOptions,
  say: (line: string) => void,
): Promise<number> {
  const fleet = (await control.list()).filter((process) =>
    order.some((group) => group.includes(process.name)),
  );
  if (fleet.length === 0) {
    say('stop: no instance of the fleet under this PM2_HOME; nothing to stop');
    return 0;
  }
  const online = fleet.filter((process) => process.status === 'online');
  await Promise.all(online.map((process) => control.leave(process.pmId)));
  say(
    `stop: ${online.length} instance(s) answer /readyz 503 from now on, still serving (leaving the load balancer)`,
  );

  const verb = options.remove ? 'deleting' : 'stopping';
  for (const group of order) {
    const instances = fleet.filter((process) => group.includes(process.name));
    if (instances.length === 0) continue;
    const startedAt = Date.now();
    say(`stop: ${verb} ${group.join(', ')} (${instances.length} instance(s))…`);
    // eslint-disable-next-line no-await-in-loop -- callers first: the next group waits for this one
    await Promise.all(instances.map((process) => control.stop(process.pmId, options.remove)));
    say(`stop: ${group.join(', ')} stopped in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  }
  say(
    options.remove
      ? 'stop: the fleet is stopped and removed from PM2 (npm run fleet:start starts it again)'
      : "stop: the fleet is stopped; it stays in PM2's list (npm run fleet:start, or pm2 start ecosystem.config.js, starts it again)",
  );
  return 0;
}
