import net from 'node:net';
import { z } from 'zod';

import { configPart, integer } from '../config';

/**
 * The runtime's variables for one host of several behind a load balancer:
 *
 * - `BIND_ADDRESS`: the address every service and metrics port listens on. Unset: every interface,
 *   as before. A host of a multi-host fleet sets its own (10.0.0.11, or 127.0.0.2 for a test host),
 *   so several hosts can share one machine, and the ports are not open on other interfaces.
 * - `DRAIN_DELAY_MS`: when the whole host stops, how long every instance answers `/readyz` 503 while
 *   it keeps serving, before it drains: longer than the balancer needs to notice (HAProxy:
 *   `fall × inter`, plus one `inter` of margin). 0, the default: no balancer checks the host.
 */
export interface HostSettings {
  /** Where the ports listen; undefined: every interface. */
  readonly bindAddress: string | undefined;
  /** Where this host's own services are reached from the host (callers, callees, the rollout). */
  readonly localAddress: string;
  readonly drainDelayMs: number;
}

const ANY_ADDRESS = new Set(['0.0.0.0', '::']);

/** Where a host's own services are reached from the host itself, given its BIND_ADDRESS. */
export function localAddressOf(bindAddress: string | undefined): string {
  return bindAddress === undefined || ANY_ADDRESS.has(bindAddress) ? '127.0.0.1' : bindAddress;
}

/** `http://10.0.0.11:3001`, `http://[::1]:3001`. */
export function httpOrigin(address: string, port: number): string {
  return `http://${net.isIPv6(address) ? `[${address}]` : address}:${port}`;
}

export const hostConfig = configPart(
  z.object({
    BIND_ADDRESS: z
      .string()
      .refine(
        (address) => net.isIP(address) !== 0,
        'must be an IP address such as 10.0.0.11, 127.0.0.2, 0.0.0.0 or ::1 (a host name would need DNS to listen)',
      )
      .optional(),
    DRAIN_DELAY_MS: integer(0, 60_000).default(0),
  }),
  (vars): HostSettings => ({
    bindAddress: vars.BIND_ADDRESS,
    localAddress: localAddressOf(vars.BIND_ADDRESS),
    drainDelayMs: vars.DRAIN_DELAY_MS,
  }),
);
