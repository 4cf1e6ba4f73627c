import { randomUUID } from 'node:crypto';

import { replyFromEachInstance } from './instance-sampler';
import type { Fleet } from './pm2-fleet';
import { waitFor } from './wait-for';

/** A service of the demo fleet (services/fleet.ts). */
type ServiceName = 'gateway' | 'catalog' | 'pricing';

/**
 * Every stdout line of each instance of `service`, keyed by its `X-Served-By` label
 * (`catalog#0`), read from PM2's per-instance log files.
 */
export async function serviceLogLines(fleet: Fleet, service: ServiceName): Promise<Map<string, string[]>> {
  const [instances, lines] = await Promise.all([fleet.list(), fleet.outLines()]);
  const byLabel = new Map<string, string[]>();
  for (const instance of instances) {
    if (instance.name !== service) continue;
    const label = `${service}#${String(instance.pm2_env.NODE_APP_INSTANCE)}`;
    byLabel.set(label, [...(byLabel.get(label) ?? []), ...(lines.get(instance.pm_id) ?? [])]);
  }
  return byLabel;
}

/**
 * Makes the access logs of every instance of `service` current, for a fleet started with
 * `LOG_LEVEL=http`: sends `GET /livez` with a fresh request id to each instance, and waits until
 * each one's log file shows it. An instance writes its lines in order, so every line it wrote for
 * an earlier request is in the file by then. Resolves with the lines, keyed by instance label.
 */
export async function syncAccessLogs(
  fleet: Fleet,
  service: ServiceName,
  instances: number,
): Promise<Map<string, string[]>> {
  const marker = `log-sync-${randomUUID()}`;
  await replyFromEachInstance(fleet.url(service, '/livez'), instances, { 'X-Request-Id': marker });
  return waitFor(`every ${service} instance to log request ${marker}`, async () => {
    const byLabel = await serviceLogLines(fleet, service);
    const synced = [...byLabel.values()].filter((lines) =>
      lines.some((line) => line.includes(`[${marker}] GET /livez 200`)),
    );
    return synced.length === instances && byLabel.size === instances ? byLabel : undefined;
  });
}

/**
 * The access line each instance of `service` writes for a `GET /livez` sent to it now with a fresh
 * request id, in whichever format it logs, keyed by instance label; waits until every instance has
 * written it. Only an instance logging at `http` level (or finer) writes one, so this also tells
 * that each of them runs with such a `LOG_LEVEL`.
 */
export async function freshAccessLines(
  fleet: Fleet,
  service: ServiceName,
  instances: number,
): Promise<Map<string, string>> {
  const marker = `access-${randomUUID()}`;
  await replyFromEachInstance(fleet.url(service, '/livez'), instances, { 'X-Request-Id': marker });
  return waitFor(`every ${service} instance to log an access line for request ${marker}`, async () => {
    const found = new Map<string, string>();
    for (const [label, lines] of await serviceLogLines(fleet, service)) {
      const line = lines.find(
        (candidate) => candidate.includes(marker) && candidate.includes('GET /livez 200'),
      );
      if (line !== undefined) found.set(label, line);
    }
    return found.size === instances ? found : undefined;
  });
}
