import { randomUUID } from 'node:crypto';

import { problemsOf, warningsOf, type InstanceReport } from './instance-health';
import type { Pm2Client } from './pm2-client';
import { replyTo, statusQuery, type InstanceStatus } from './status-protocol';

export interface CollectOptions {
  /** How long to wait for every online instance to answer. */
  readonly timeoutMs?: number;
  readonly queryId?: string;
}

/**
 * Asks every online instance PM2 lists about itself and waits for the answers (or the timeout),
 * so each line of the report comes from the instance itself, never from whichever one a
 * round-robin HTTP request happened to reach.
 */
export async function collectFleetStatus(
  pm2: Pm2Client,
  { timeoutMs = 3_000, queryId = randomUUID() }: CollectOptions = {},
): Promise<InstanceReport[]> {
  const processes = (await pm2.list()).sort((a, b) => a.name.localeCompare(b.name) || a.pmId - b.pmId);
  const answers = new Map<number, InstanceStatus>();
  const asked = processes.filter((listed) => listed.status === 'online');
  const { promise: answered, resolve: allAnswered } = Promise.withResolvers<void>();
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
  return processes.map((listed) => {
    const status = answers.get(listed.pmId) ?? null;
    return { process: listed, status, problems: problemsOf(listed, status), warnings: warningsOf(status) };
  });
}
