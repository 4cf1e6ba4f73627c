import type { ServiceName } from '../../shared/config';
import { canaryEnv } from './canary-env';
import { runCanary, spareLoopbackPort, type CanaryResult } from './canary';
import type { FleetInstance } from './fleet-instance';
import { addressOf } from './reload-steps';

export interface CanaryPhaseOptions {
  /** Undefined: the fleet's `listen_timeout` plus 10 s. */
  readonly readyTimeoutMs: number | undefined;
  readonly settleMs: number;
  readonly allowDegraded: boolean;
  readonly signal?: AbortSignal;
}

const DEFAULT_LISTEN_TIMEOUT_MS = 10_000;
/** PM2's `kill_timeout` of the fleet (shared/config/fleet-timings.ts) plus a margin. */
const STOP_TIMEOUT_MS = 20_000;

/**
 * One canary per given service, all at once, each from the file and environment of the service's
 * lowest pm_id (what PM2 will run on reload). Resolves once every canary has been stopped.
 */
export async function runCanaries(
  fleet: readonly FleetInstance[],
  services: readonly ServiceName[],
  rolloutEnv: Readonly<Record<string, string | undefined>>,
  options: CanaryPhaseOptions,
): Promise<CanaryResult[]> {
  const templates = services.map(
    (service) => [...fleet].filter((i) => i.service === service).sort((a, b) => a.pmId - b.pmId)[0]!,
  );
  return Promise.all(
    templates.map(async (template) => {
      const address = addressOf(template);
      const [port, metricsPort] = [await spareLoopbackPort(address), await spareLoopbackPort(address)];
      const readyTimeoutMs =
        options.readyTimeoutMs ?? (template.listenTimeoutMs ?? DEFAULT_LISTEN_TIMEOUT_MS) + 10_000;
      return runCanary(
        {
          service: template.service,
          script: template.script,
          cwd: template.cwd,
          nodeArgs: template.nodeArgs,
          env: canaryEnv(template, rolloutEnv, port, metricsPort),
          at: { address, port },
        },
        {
          readyTimeoutMs,
          settleMs: options.settleMs,
          stopTimeoutMs: STOP_TIMEOUT_MS,
          allowDegraded: options.allowDegraded,
          signal: options.signal,
        },
      );
    }),
  );
}
