import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { createDrainingServer, type DrainingServer } from './draining-server';

interface Reply {
  status: number;
  connection: string | undefined;
  socket: Socket;
}

function get(port: number, path: string, agent: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          connection: response.headers.connection,
          socket: request.socket!,
        }),
      );
    });
    request.on('error', reject);
  });
}

const closed = (socket: Socket) =>
  socket.destroyed
    ? Promise.resolve()
    : new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('createDrainingServer', () => {
  let draining: DrainingServer;
  let port: number;
  let agent: http.Agent;
  let releaseSlow: () => void;
  /** Resolves once the server holds a `/slow` request: draining before that would find an idle socket. */
  let slowArrived: Promise<void>;

  beforeEach(async () => {
    const slowResponses: http.ServerResponse[] = [];
    const arrival = Promise.withResolvers<void>();
    slowArrived = arrival.promise;
    releaseSlow = () => slowResponses.splice(0).forEach((response) => response.end('slow'));
    draining = createDrainingServer((request, response) => {
      if (request.url === '/slow') {
        slowResponses.push(response);
        arrival.resolve();
      } else response.end('ok');
    });
    await draining.listen(0, '127.0.0.1');
    port = (draining.server.address() as AddressInfo).port;
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  });

  afterEach(() => {
    releaseSlow();
    agent.destroy();
    draining.server.closeAllConnections();
    if (draining.server.listening) draining.server.close();
  });

  it('stops accepting new connections at once', async () => {
    const drained = draining.drain({ idleSocketGraceMs: 50, drainTimeoutMs: 1000 });
    await expect(get(port, '/', new http.Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await drained;
  });

  it('leaves an idle keep-alive socket open for the grace period, so a client reusing it is answered, with Connection: close', async () => {
    const first = await get(port, '/', agent);
    expect(first.connection).toBe('keep-alive');

    const drained = draining.drain({ idleSocketGraceMs: 500, drainTimeoutMs: 2000 });
    const reused = await get(port, '/', agent);

    expect(reused.socket).toBe(first.socket);
    expect(reused.status).toBe(200);
    expect(reused.connection).toBe('close');
    expect(await drained).toMatchObject({ forcedConnections: 0 });
  });

  it('closes sockets that stay idle through the grace period', async () => {
    const { socket } = await get(port, '/', agent);
    const startedAt = Date.now();
    const report = await draining.drain({ idleSocketGraceMs: 100, drainTimeoutMs: 2000 });
    await closed(socket);

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(90);
    expect(report.forcedConnections).toBe(0);
  });

  it('lets an in-flight request finish, answers it with Connection: close, then resolves', async () => {
    const slow = get(port, '/slow', agent);
    await slowArrived;
    let drainedEarly = false;
    const drained = draining.drain({ idleSocketGraceMs: 10, drainTimeoutMs: 2000 }).then((report) => {
      drainedEarly = true;
      return report;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(drainedEarly).toBe(false);

    releaseSlow();
    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(reply.connection).toBe('close');
    expect(await drained).toMatchObject({ forcedConnections: 0 });
  });

  it('force-closes connections still busy at the drain deadline, and reports how many', async () => {
    const slow = get(port, '/slow', agent).catch((error: NodeJS.ErrnoException) => error.code);
    await slowArrived;
    const report = await draining.drain({ idleSocketGraceMs: 10, drainTimeoutMs: 150 });

    expect(report.forcedConnections).toBe(1);
    expect(report.durationMs).toBeGreaterThanOrEqual(140);
    expect(await slow).toBe('ECONNRESET');
  });
});
