import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import pm2, { type StartOptions } from 'pm2';

import {
  collectFleetStatus,
  connectToPm2 as connectStatusClient,
  type InstanceStatus,
} from '../../shared/ops';
import { toFleetInstance, type FleetInstance } from './fleet-instance';

/** The few PM2 operations the rollout needs, as promises, against the daemon under PM2_HOME. */
export interface Pm2Control {
  readonly home: string;
  /** The fleet's instances; PM2 processes that are not fleet services are left out. */
  list(): Promise<FleetInstance[]>;
  /**
   * Starts one app of ecosystem.config.js (a service new to the fleet list), as
   * `pm2 start ecosystem.config.js --only <name>` does; resolves once every instance is ready.
   */
  start(app: StartOptions): Promise<void>;
  /**
   * Reloads one pm_id (`pm2 reload <id> --update-env`): PM2 starts the new worker, waits for its
   * `ready`, then stops the old one; resolves once the old one is gone.
   */
  reload(pmId: number): Promise<void>;
  /**
   * What each online instance says about itself, asked through PM2 as `npm run status` asks it, by
   * pm_id; null for one that did not answer in time.
   */
  statuses(): Promise<ReadonlyMap<number, InstanceStatus | null>>;
  disconnect(): void;
}

/** PM2_HOME as the pm2 CLI resolves it. */
export function pm2Home(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.PM2_HOME?.trim() || path.join(os.homedir(), '.pm2');
}

export class NoDaemonError extends Error {
  override readonly name = 'NoDaemonError';
}

/**
 * Connects to the running daemon. Never starts one: `pm2.connect` would launch an empty daemon,
 * and there would be nothing to roll. `services`: the fleet list's names.
 */
export async function connectToPm2(services: readonly string[]): Promise<Pm2Control> {
  const home = pm2Home();
  if (!existsSync(path.join(home, 'rpc.sock'))) {
    throw new NoDaemonError(
      `no PM2 daemon under PM2_HOME=${home}: start the fleet first (npm run fleet:start)`,
    );
  }
  // Connects the pm2 module (used below) and opens PM2's bus, where the instances answer.
  const statusClient = await connectStatusClient();
  return {
    home,
    list: () =>
      new Promise((resolve, reject) =>
        pm2.list((error, processes) => {
          if (error) return reject(error);
          resolve(
            processes
              .map((description) => toFleetInstance(description, services))
              .filter((instance): instance is FleetInstance => instance !== undefined),
          );
        }),
      ),
    start: (app) =>
      new Promise((resolve, reject) => pm2.start(app, (error) => (error ? reject(error) : resolve()))),
    reload: (pmId) =>
      new Promise((resolve, reject) =>
        pm2.reload(pmId, { updateEnv: true }, (error) => (error ? reject(error) : resolve())),
      ),
    async statuses() {
      const { instances } = await collectFleetStatus(statusClient, { services });
      return new Map(instances.map((report) => [report.process.pmId, report.status]));
    },
    disconnect: () => statusClient.close(),
  };
}
