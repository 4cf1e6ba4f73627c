import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Redis } from 'ioredis';

import { freePort } from './free-port';

/**
 * A real redis-server (Debian's package: `apt-get install redis-server`) as a child process of the
 * test, on a loopback port below the ephemeral range, with a private directory and no persistence
 * (`--save ''`, no AOF): stopping it loses its data, like a Redis restarted without persistence.
 */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly running: boolean;
  /** Stops the server (SIGTERM, then SIGKILL); its data is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** A client for the test's own assertions; closed by `close()`. */
  client(): Redis;
  /** Stops the server and removes its directory; safe to call more than once. */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  let testClient: Redis | undefined;

  async function start(): Promise<void> {
    if (child) throw new Error('redis-server is already running');
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', dir, '--daemonize', 'no', '--loglevel', 'warning');
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const spawnError = new Promise<never>((_, reject) => {
      started.once('error', (error) =>
        reject(new Error(`cannot run redis-server (apt-get install redis-server): ${error.message}`)),
      );
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    const listening = (async () => {
      while (Date.now() < deadline) {
        if (started.exitCode !== null) break;
        if (await canConnect(port)) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`redis-server did not listen on ${port}: ${output.slice(-1000)}`);
    })();
    await Promise.race([listening, spawnError]);
  }

  async function stop(): Promise<void> {
    const running = child;
    if (!running) return;
    child = undefined;
    if (running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    stop,
    start,
    client() {
      if (!testClient) {
        testClient = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
        testClient.on('error', () => undefined); // the test stops the server on purpose
      }
      return testClient;
    },
    async close() {
      testClient?.disconnect();
      testClient = undefined;
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
