import { connect as netConnect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pm2, { type ProcessDescription } from 'pm2';

/** One process as PM2 lists it: only the fields the status command reads. */
export interface Pm2Process {
  readonly name: string;
  readonly pmId: number;
  readonly pid: number;
  readonly status: string;
  readonly restarts: number;
  /** Restarts that came before `min_uptime`: PM2's own count of a crash loop (a reload is not one). */
  readonly unstableRestarts: number;
  /** Epoch ms PM2 last (re)started the process. */
  readonly startedAt: number | null;
  readonly memoryBytes: number | null;
}

/** A message a process sent with `process.send({ type: 'process:msg', data })`, as the bus carries it. */
export interface Pm2BusMessage {
  readonly pmId: number;
  readonly data: unknown;
}

/** The part of PM2 the status command uses; tests give a fake. */
export interface Pm2Client {
  list(): Promise<Pm2Process[]>;
  /** `pm2.sendDataToProcessId`: delivered to the process's `process.on('message')`. */
  sendData(pmId: number, packet: { readonly topic: string; readonly data: object }): Promise<void>;
  onMessage(listener: (message: Pm2BusMessage) => void): void;
  close(): void;
}

/** Where PM2 keeps its sockets, resolved the way PM2 itself does (paths.js). */
export function pm2Home(env: NodeJS.ProcessEnv = process.env): string {
  return env.PM2_HOME || path.join(os.homedir(), '.pm2');
}

/** Whether a daemon answers on its RPC socket; `pm2.connect` would start one otherwise. */
export function daemonIsRunning(home: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(path.join(home, 'rpc.sock'));
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface BusPacket {
  readonly data?: unknown;
  readonly process?: { readonly pm_id?: unknown };
}

interface Bus {
  on(event: 'process:msg', listener: (packet: BusPacket) => void): void;
}

function settle<T>(resolve: (value: T) => void, reject: (error: Error) => void) {
  return (error: Error | null | undefined, value: T) => (error ? reject(error) : resolve(value));
}

/** Connects to the running daemon of `PM2_HOME` (never starts one) and opens its message bus. */
export async function connectToPm2(): Promise<Pm2Client> {
  await new Promise<void>((resolve, reject) => pm2.connect((error) => (error ? reject(error) : resolve())));
  const bus = await new Promise<Bus>((resolve, reject) => pm2.launchBus(settle(resolve, reject)));
  return {
    async list() {
      const processes = await new Promise<ProcessDescription[]>((resolve, reject) =>
        pm2.list(settle(resolve, reject)),
      );
      return processes.map((description) => ({
        name: description.name ?? '?',
        pmId: description.pm_id ?? -1,
        pid: description.pid ?? 0,
        status: description.pm2_env?.status ?? 'unknown',
        restarts: description.pm2_env?.restart_time ?? 0,
        unstableRestarts: description.pm2_env?.unstable_restarts ?? 0,
        startedAt: description.pm2_env?.pm_uptime ?? null,
        memoryBytes: description.monit?.memory ?? null,
      }));
    },
    sendData: (pmId, packet) =>
      new Promise((resolve, reject) =>
        pm2.sendDataToProcessId(pmId, { type: 'process:msg', ...packet }, (error) =>
          error ? reject(error) : resolve(),
        ),
      ),
    onMessage(listener) {
      bus.on('process:msg', (packet) => {
        const pmId = packet.process?.pm_id;
        if (typeof pmId === 'number') listener({ pmId, data: packet.data });
      });
    },
    // Closes the RPC and bus sockets; the command would not exit while they are open.
    close: () => pm2.disconnect(),
  };
}
