import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import pm2 from 'pm2';

import {
  collectFleetStatus,
  connectToPm2 as connectStatusClient,
  type InstanceStatus,
} from '../../shared/ops';
import { toFleetInstance, type FleetInstance } from './fleet-instance';

/** The few PM2 operations the rollout needs, as promises, against the daemon under PM2_HOME. */
export interface Pm2Control {
  readonly home: string;
  list(): Promise<FleetInstance[]>;
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
 * and there would be nothing to roll.
 */
export async function connectToPm2(): Promise<Pm2Control> {
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
              .map((description) => toFleetInstance(description))
              .filter((instance): instance is FleetInstance => instance !== undefined),
          );
        }),
      ),
    reload: (pmId) =>
      new Promise((resolve, reject) =>
        pm2.reload(pmId, { updateEnv: true }, (error) => (error ? reject(error) : resolve())),
      ),
    async statuses() {
      const reports = await collectFleetStatus(statusClient);
      return new Map(reports.map((report) => [report.process.pmId, report.status]));
    },
    disconnect: () => statusClient.close(),
  };
}
