import net from 'node:net';

/** Whether something accepts TCP connections on `address:port` (a refused or failed connect: no). */
export function acceptsConnections(address: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    // No answer at all is not proof that the port is gone: count it as open; the caller's wait is bounded.
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface PortsWaitReport {
  /** True when every port got there (closed, or open) before the deadline. */
  readonly reached: boolean;
  readonly waitedMs: number;
  /** The ports that had not got there at the deadline. */
  readonly pending: readonly number[];
}

/** Polls until every one of `ports` on `address` is `state`, or `timeoutMs` has passed. */
export async function waitForPorts(
  address: string,
  ports: readonly number[],
  state: 'open' | 'closed',
  timeoutMs: number,
  pollMs = 100,
): Promise<PortsWaitReport> {
  const startedAt = performance.now();
  let pending = [...ports];
  for (;;) {
    // eslint-disable-next-line no-await-in-loop -- polling: one round of questions at a time
    const answers = await Promise.all(pending.map((port) => acceptsConnections(address, port)));
    pending = pending.filter((_, index) => answers[index] !== (state === 'open'));
    const waitedMs = Math.round(performance.now() - startedAt);
    if (pending.length === 0) return { reached: true, waitedMs, pending: [] };
    if (waitedMs >= timeoutMs) return { reached: false, waitedMs, pending };
    // eslint-disable-next-line no-await-in-loop -- polling interval
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, timeoutMs - waitedMs)));
  }
}
