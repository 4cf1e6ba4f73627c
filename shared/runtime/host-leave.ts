import os from 'node:os';

import type { FleetConfig } from '../config';
import type { Lifecycle } from './lifecycle';
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

/**
 * The ports that tell a callee its callers on this host are done: each caller's service port (closed
 * once its last instance stops listening) and each caller instance's metrics port, which an instance
 * closes only after its drain is over, i.e. once it has no request left that could still call us.
 */
export function callerPorts(
  config: Pick<FleetConfig, 'callers' | 'ports' | 'metricsPorts' | 'fleetInstances'>,
): number[] {
  const instances = config.fleetInstances === 'max' ? os.availableParallelism() : config.fleetInstances;
  return config.callers.flatMap((caller) => [
    config.ports[caller],
    ...Array.from({ length: instances }, (_, index) => config.metricsPorts[caller] + index),
  ]);
}

/**
 * At start-up, before listening: until the services this one calls answer on this host (their
 * service ports accept connections), bounded. A host whose gateway serves before its pricing does
 * answers 502 to every quote; the load balancer sees the gateway ready and sends traffic at once.
 */
export function waitForCallees(
  config: Pick<FleetConfig, 'callees' | 'ports' | 'host'>,
  timeoutMs: number,
): Promise<PortsWaitReport> {
  const ports = config.callees.map((callee) => config.ports[callee]);
  return waitForPorts(config.host.localAddress, ports, 'open', timeoutMs);
}

export function createHostLeave(
  lifecycle: Lifecycle,
  config: Pick<FleetConfig, 'callers' | 'ports' | 'metricsPorts' | 'fleetInstances' | 'host' | 'timings'>,
): HostLeave {
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
      const ports = callerPorts(config);
      if (ports.length === 0) return { leftForMs };
      const callers = await waitForPorts(
        config.host.localAddress,
        ports,
        'closed',
        config.timings.callerWaitTimeoutMs,
      );
      return { leftForMs, callers };
    },
  };
}
