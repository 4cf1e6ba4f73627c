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

export interface PortsClosedReport {
  /** True when every port refused connections before the deadline. */
  readonly closed: boolean;
  readonly waitedMs: number;
  /** The ports still open at the deadline. */
  readonly stillOpen: readonly number[];
}

/** Polls until none of `ports` on `address` accepts connections, or `timeoutMs` has passed. */
export async function waitForPortsClosed(
  address: string,
  ports: readonly number[],
  timeoutMs: number,
  pollMs = 100,
): Promise<PortsClosedReport> {
  const startedAt = performance.now();
  let open = [...ports];
  for (;;) {
    // eslint-disable-next-line no-await-in-loop -- polling: one round of questions at a time
    const answers = await Promise.all(open.map((port) => acceptsConnections(address, port)));
    open = open.filter((_, index) => answers[index]);
    const waitedMs = Math.round(performance.now() - startedAt);
    if (open.length === 0) return { closed: true, waitedMs, stillOpen: [] };
    if (waitedMs >= timeoutMs) return { closed: false, waitedMs, stillOpen: open };
    // eslint-disable-next-line no-await-in-loop -- polling interval
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, timeoutMs - waitedMs)));
  }
}
