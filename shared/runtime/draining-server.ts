import http from 'node:http';
import net from 'node:net';
import type { Socket } from 'node:net';

export interface DrainOptions {
  /** Sockets still idle this long after draining starts are closed. */
  readonly idleSocketGraceMs: number;
  /** Then whatever is still open is force-closed (the backstop before PM2's SIGKILL). */
  readonly drainTimeoutMs: number;
}

export interface DrainReport {
  readonly durationMs: number;
  /** Connections cut by the backstop: requests that did not finish in time. */
  readonly forcedConnections: number;
}

export interface DrainingServer {
  readonly server: http.Server;
  listen(port: number, host?: string): Promise<void>;
  /** Stops taking connections and lets every open one finish; resolves once all are closed. */
  drain(options: DrainOptions): Promise<DrainReport>;
}

/**
 * An HTTP server that can leave without failing a request, including for keep-alive clients:
 *
 * 1. Stop listening. In a PM2 cluster worker this also tells the master to stop routing here.
 * 2. Every response from now on carries `Connection: close`, so each busy keep-alive socket closes
 *    right after its current request instead of taking more.
 * 3. Sockets that are idle are left alone for a grace period. `http.Server#close()` would destroy
 *    them at once (Node >= 19), but under load an "idle" socket is usually one whose client is just
 *    sending its next request: closing it then is a reset for that client. Those that are still idle
 *    after the grace period are not in use and are closed.
 * 4. At the deadline, anything left is destroyed, before PM2 would SIGKILL the whole process.
 */
export function createDrainingServer(handler: http.RequestListener): DrainingServer {
  let draining = false;
  let reapIdleSockets = false;
  const openResponses = new Set<http.ServerResponse>();
  const sockets = new Set<Socket>();

  const server = http.createServer((request, response) => {
    if (draining) response.setHeader('Connection', 'close');
    openResponses.add(response);
    response.once('close', () => {
      openResponses.delete(response);
      // A response whose headers left before draining began kept its socket alive; reap it now.
      if (reapIdleSockets) setImmediate(() => server.closeIdleConnections());
    });
    handler(request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    server,

    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    },

    async drain({ idleSocketGraceMs, drainTimeoutMs }) {
      const startedAt = performance.now();
      draining = true;
      for (const response of openResponses) {
        if (!response.headersSent) response.setHeader('Connection', 'close');
      }
      let forcedConnections = 0;
      const graceTimer = setTimeout(() => {
        reapIdleSockets = true;
        server.closeIdleConnections();
      }, idleSocketGraceMs);
      const backstopTimer = setTimeout(() => {
        forcedConnections = sockets.size;
        server.closeAllConnections();
      }, drainTimeoutMs);
      try {
        await new Promise<void>((resolve) => {
          // net.Server#close, not http.Server#close: stop listening without the immediate idle-socket
          // close described above. The callback runs once the last connection has closed.
          if (!server.listening) return resolve();
          net.Server.prototype.close.call(server, () => resolve());
        });
      } finally {
        clearTimeout(graceTimer);
        clearTimeout(backstopTimer);
      }
      return { durationMs: Math.round(performance.now() - startedAt), forcedConnections };
    },
  };
}
