import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { findProjectRoot } from '../../shared/config';
import { waitFor } from './wait-for';

/** The example configuration users are given; the tests run this very file. */
export const EXAMPLE_HAPROXY_CONFIG = path.join(
  findProjectRoot(__dirname),
  'examples',
  'haproxy',
  'haproxy.cfg',
);

export interface HaproxyOptions {
  /** `address:port` clients connect to (loopback). */
  readonly listen: string;
  /** Each host's gateway, `address:port`, in the order of the config's `server host<N>` lines. */
  readonly hosts: readonly string[];
  readonly configFile?: string;
}

/** One server of the `gateway` backend, as `show stat` reports it. */
export interface ServerState {
  readonly name: string;
  /** `UP`, `DOWN`, `UP 1/2` (going down), `DOWN 1/2` (coming up), `MAINT`, `DRAIN`… */
  readonly status: string;
}

export interface Haproxy {
  readonly baseUrl: string;
  /** Lines HAProxy logged (its access log goes to stdout). */
  readonly output: string[];
  servers(): Promise<ServerState[]>;
  /** Resolves once the server's status is exactly `status` (UP or DOWN). */
  waitForServer(name: string, status: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function ask(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(socketPath, () => socket.end(`${command}\n`));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('end', () => resolve(answer));
    socket.once('error', reject);
  });
}

/**
 * Starts Debian's haproxy as a child process (never as a system service) on a configuration file,
 * by default the shipped example, with the addresses given through its environment variables and
 * its runtime API on a socket in a private folder; resolves once every server is UP.
 */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-haproxy-'));
  const socketPath = path.join(folder, 'stats.sock');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    FLEET_LISTEN: options.listen,
    FLEET_STATS_SOCKET: socketPath,
    ...Object.fromEntries(options.hosts.map((host, index) => [`FLEET_HOST_${index + 1}`, host])),
  };
  const output: string[] = [];
  // -db: stay in the foreground, a child of the test, logging to stdout.
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', options.configFile ?? EXAMPLE_HAPROXY_CONFIG], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const record = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  };
  child.stdout!.on('data', record);
  child.stderr!.on('data', record);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const haproxy: Haproxy = {
    baseUrl: `http://${options.listen}`,
    output,
    async servers() {
      const csv = await ask(socketPath, 'show stat');
      const [header, ...rows] = csv.split('\n').filter((line) => line.trim() !== '');
      const columns = header!.replace(/^# /, '').split(',');
      const [proxy, name, status] = ['pxname', 'svname', 'status'].map((column) => columns.indexOf(column));
      return rows
        .map((row) => row.split(','))
        .filter((cells) => cells[proxy!] === 'gateway' && !['FRONTEND', 'BACKEND'].includes(cells[name!]!))
        .map((cells) => ({ name: cells[name!]!, status: cells[status!]! }));
    },
    async waitForServer(name, status, timeoutMs = 30_000) {
      await waitFor(
        `haproxy server ${name} to be ${status}`,
        async () => (await haproxy.servers()).find((server) => server.name === name)?.status === status,
        { timeoutMs, intervalMs: 50 },
      );
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(folder, { recursive: true, force: true });
    },
  };

  try {
    await waitFor(
      'haproxy to start and report every server UP',
      async () => {
        if (child.exitCode !== null)
          throw new Error(`haproxy exited ${child.exitCode}: ${output.join('\n')}`);
        const servers = await haproxy.servers();
        return servers.length === options.hosts.length && servers.every((server) => server.status === 'UP');
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  } catch (error) {
    await haproxy.stop();
    throw error;
  }
  return haproxy;
}
