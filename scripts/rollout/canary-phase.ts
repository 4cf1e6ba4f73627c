import type { AnyServiceManifest } from '../../shared/fleet';
import { serviceVariables } from '../../shared/runtime';
import { canaryEnv } from './canary-env';
import { runCanary, spareLoopbackPort, type CanaryResult } from './canary';
import { addressOf } from './reload-steps';
import type { FleetInstance } from './fleet-instance';

export interface CanaryPhaseOptions {
  /** Undefined: the fleet's `listen_timeout` plus 10 s. */
  readonly readyTimeoutMs: number | undefined;
  readonly settleMs: number;
  readonly allowDegraded: boolean;
  readonly signal?: AbortSignal;
}

/** What a canary of one service starts from: what PM2 will run on reload (or on start, for a new one). */
export type CanaryTemplate = Pick<
  FleetInstance,
  'service' | 'script' | 'cwd' | 'nodeArgs' | 'workerEnv' | 'listenTimeoutMs'
>;

const DEFAULT_LISTEN_TIMEOUT_MS = 10_000;
/** PM2's `kill_timeout` of the fleet (shared/runtime/fleet-timings.ts) plus a margin. */
const STOP_TIMEOUT_MS = 20_000;

/** The template of a running service: its lowest pm_id, whose file and environment PM2 reloads. */
export function templateOf(fleet: readonly FleetInstance[], service: string): CanaryTemplate {
  return [...fleet].filter((i) => i.service === service).sort((a, b) => a.pmId - b.pmId)[0]!;
}

/** One canary per template, all at once. Resolves once every canary has been stopped. */
export async function runCanaries(
  templates: readonly CanaryTemplate[],
  fleetList: readonly AnyServiceManifest[],
  rolloutEnv: Readonly<Record<string, string | undefined>>,
  options: CanaryPhaseOptions,
): Promise<CanaryResult[]> {
  return Promise.all(
    templates.map(async (template) => {
      const manifest = fleetList.find((service) => service.name === template.service)!;
      const address = addressOf(template);
      const [port, metricsPort] = [await spareLoopbackPort(address), await spareLoopbackPort(address)];
      const readyTimeoutMs =
        options.readyTimeoutMs ?? (template.listenTimeoutMs ?? DEFAULT_LISTEN_TIMEOUT_MS) + 10_000;
      return runCanary(
        {
          service: template.service,
          request: manifest.canary,
          script: template.script,
          cwd: template.cwd,
          nodeArgs: template.nodeArgs,
          env: canaryEnv(template, serviceVariables(manifest, fleetList), rolloutEnv, port, metricsPort),
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
