import type { Lifecycle } from '../lifecycle';
import type { HostSettings } from './host-config';
import type { FleetTimings } from './fleet-timings';
import { waitForPorts, type PortsWaitReport } from './port-probe';

export interface HostLeaveReport {
  /** How long `/readyz` had answered 503 (while serving) when the drain began. */
  readonly leftForMs: number;
  /** The callers' wait, when this service has callers on this host. */
  readonly callers?: PortsWaitReport;
}

export interface HostLeave {
  /** From now on `/readyz` answers 503 while requests are still served (idempotent). */
  leave(): void;
  /**
   * Before draining on a whole-host stop: what is left of DRAIN_DELAY_MS since `leave()`, then until
   * every service that calls this one on this host has finished its own shutdown, bounded.
   */
  beforeDrain(): Promise<HostLeaveReport>;
}

/** What the host-leave steps read of the instance's configuration (service-config.ts). */
export interface HostLeaveConfig {
  readonly host: HostSettings;
  readonly timings: Pick<FleetTimings, 'drainDelayMs' | 'callerWaitTimeoutMs'>;
  readonly callerPorts: readonly number[];
}

/**
 * At start-up, before listening: until the services this one calls answer on this host (their ports
 * accept connections), bounded. An edge service serving before its callees answers with 502, and the
 * load balancer sends it traffic as soon as it is ready.
 */
export function waitForCallees(
  config: { readonly host: HostSettings; readonly calleePorts: readonly number[] },
  timeoutMs: number,
): Promise<PortsWaitReport> {
  return waitForPorts(config.host.localAddress, config.calleePorts, 'open', timeoutMs);
}

export function createHostLeave(lifecycle: Lifecycle, config: HostLeaveConfig): HostLeave {
  let leftAt: number | undefined;
  const leave = (): void => {
    if (leftAt !== undefined) return;
    leftAt = performance.now();
    lifecycle.enter('leaving');
  };
  return {
    leave,
    async beforeDrain() {
      leave();
      // A timer may fire a fraction of a millisecond early: the balancer gets the whole delay.
      for (;;) {
        const remainingMs = config.timings.drainDelayMs - (performance.now() - leftAt!);
        if (remainingMs <= 0) break;
        // eslint-disable-next-line no-await-in-loop -- waiting out the rest of the delay
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(remainingMs)));
      }
      const leftForMs = Math.round(performance.now() - leftAt!);
      if (config.callerPorts.length === 0) return { leftForMs };
      const callers = await waitForPorts(
        config.host.localAddress,
        config.callerPorts,
        'closed',
        config.timings.callerWaitTimeoutMs,
      );
      return { leftForMs, callers };
    },
  };
}
