import type { AnyServiceManifest } from '../../shared/fleet';
import { serviceVariables, sparePorts } from '../../shared/runtime';
import { canaryEnv } from './canary-env';
import { runCanary, type CanaryResult } from './canary';
import { addressOf, bindAddressOf } from './reload-steps';
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

/** A service port and a metrics port for each template, free where it binds, all different. */
async function canaryPorts(
  templates: readonly CanaryTemplate[],
): Promise<Array<{ port: number; metricsPort: number }>> {
  const addresses = templates.map(bindAddressOf);
  const byAddress = new Map<string | undefined, number[]>();
  for (const address of new Set(addresses)) {
    const needed = addresses.filter((each) => each === address).length * 2;
    // eslint-disable-next-line no-await-in-loop -- one address at a time (one, on any real host)
    byAddress.set(address, await sparePorts(address, needed));
  }
  return addresses.map((address) => {
    const [port, metricsPort] = byAddress.get(address)!.splice(0, 2);
    return { port: port!, metricsPort: metricsPort! };
  });
}

/** One canary per template, all at once. Resolves once every canary has been stopped. */
export async function runCanaries(
  templates: readonly CanaryTemplate[],
  fleetList: readonly AnyServiceManifest[],
  rolloutEnv: Readonly<Record<string, string | undefined>>,
  options: CanaryPhaseOptions,
): Promise<CanaryResult[]> {
  const ports = await canaryPorts(templates);
  return Promise.all(
    templates.map(async (template, index) => {
      const manifest = fleetList.find((service) => service.name === template.service)!;
      const address = addressOf(template);
      const { port, metricsPort } = ports[index]!;
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
