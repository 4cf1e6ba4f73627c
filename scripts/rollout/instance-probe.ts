import { servedByOf, type FleetInstance } from './fleet-instance';
import { errorText, requestOnce, sleep, type InstanceAddress } from './http-request';
import { judgeReadiness, type Readiness } from './readiness';

export interface ProbeOutcome {
  /** Undefined when the instance never answered within the attempts. */
  readonly readiness: Readiness | undefined;
  readonly attempts: number;
  readonly lastError?: string;
}

/**
 * Asks one particular instance for `/readyz`. All instances of a service share its port and PM2's
 * cluster master hands each new connection to the next worker in turn, so the rollout asks on fresh
 * connections until the reply's `X-Served-By` names the instance (`orders#1`).
 */
export async function probeInstance(
  instance: FleetInstance,
  at: InstanceAddress,
  maxAttempts: number,
): Promise<ProbeOutcome> {
  const wanted = servedByOf(instance);
  let lastError: string | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    try {
      // eslint-disable-next-line no-await-in-loop -- one connection at a time walks the round-robin
      const reply = await requestOnce(at, { path: '/readyz' });
      if (reply.servedBy === wanted) {
        const readiness = judgeReadiness(reply);
        if (readiness.verdict !== 'starting') return { readiness, attempts: attempt };
      }
    } catch (error) {
      lastError = errorText(error);
      // eslint-disable-next-line no-await-in-loop -- back off a little after a refused connection
      await sleep(100);
    }
  }
  return { readiness: undefined, attempts: maxAttempts, lastError };
}
