import { randomUUID } from 'node:crypto';

import { problemsOf, warningsOf, type InstanceReport } from './instance-health';
import type { Pm2Client, Pm2Process } from './pm2-client';
import { replyTo, statusQuery, type InstanceStatus } from './status-protocol';

export interface CollectOptions {
  /**
   * The fleet's services (the fleet list's names). Other PM2 processes (pm2-logrotate, other apps
   * sharing the daemon) are listed apart, never asked, never unhealthy. Unset: every process is the fleet's.
   */
  readonly services?: readonly string[];
  /** How long to wait for every online instance to answer. */
  readonly timeoutMs?: number;
  readonly queryId?: string;
}

/** The fleet as PM2 runs it: its instances, the processes that are not its, and its services with no process. */
export interface FleetStatus {
  readonly instances: InstanceReport[];
  readonly others: Pm2Process[];
  /** Services of the fleet list with no process under this PM2_HOME (`npm run rollout` starts them). */
  readonly notRunning: string[];
}

/**
 * Asks every online instance PM2 lists about itself and waits for the answers (or the timeout),
 * so each line of the report comes from the instance itself, never from whichever one a
 * round-robin HTTP request happened to reach.
 */
export async function collectFleetStatus(
  pm2: Pm2Client,
  { services, timeoutMs = 3_000, queryId = randomUUID() }: CollectOptions = {},
): Promise<FleetStatus> {
  const listed = (await pm2.list()).sort((a, b) => a.name.localeCompare(b.name) || a.pmId - b.pmId);
  const inFleet = (name: string) => services === undefined || services.includes(name);
  const processes = listed.filter((candidate) => inFleet(candidate.name));
  const others = listed.filter((candidate) => !inFleet(candidate.name));
  const notRunning = (services ?? []).filter(
    (name) => !processes.some((candidate) => candidate.name === name),
  );
  const answers = new Map<number, InstanceStatus>();
  const asked = processes.filter((listed) => listed.status === 'online');
  let allAnswered: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (allAnswered = resolve));
  // Listening before asking: a fast instance could answer before the last query is sent.
  pm2.onMessage(({ pmId, data }) => {
    const status = replyTo(queryId, data);
    if (!status || !asked.some((listed) => listed.pmId === pmId)) return;
    answers.set(pmId, status);
    if (answers.size === asked.length) allAnswered();
  });
  const query = statusQuery(queryId);
  // An instance that stopped since the listing is reported as not answering, not as an error.
  await Promise.all(asked.map((listed) => pm2.sendData(listed.pmId, query).catch(() => undefined)));
  if (asked.length > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([answered, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
  const instances = processes.map((process) => {
    const status = answers.get(process.pmId) ?? null;
    return { process, status, problems: problemsOf(process, status), warnings: warningsOf(status) };
  });
  return { instances, others, notRunning };
}
