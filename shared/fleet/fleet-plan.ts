import { z } from 'zod';

import { portNumber, withoutEmptyValues, type Env } from '../config';
import type { PlannedService } from './fleet-problems';
import type { AnyServiceManifest } from './service-manifest';
import { metricsPortVariable, portVariable } from './variable-names';

/** A port from `variable`, or `fallback` when it is unset; the problem names the service and variable. */
function portFrom(
  service: string,
  env: Readonly<Record<string, string>>,
  variable: string,
  fallback: number,
  problems: string[],
): { port: number; source: string } {
  const raw = env[variable];
  if (raw === undefined) return { port: fallback, source: 'default' };
  const parsed = portNumber.safeParse(raw);
  if (parsed.success) return { port: parsed.data, source: variable };
  problems.push(`${service}: ${variable}: ${parsed.error.issues[0]?.message ?? 'is not a port'}`);
  return { port: fallback, source: variable };
}

/** A service's port and first metrics port in `env` (its `<NAME>_PORT` and `<NAME>_METRICS_PORT`). */
export function resolvePorts(
  manifest: Pick<AnyServiceManifest, 'name' | 'port' | 'metricsPort'>,
  env: Env,
): { port: number; metricsPort: number; problems: string[] } {
  const set = withoutEmptyValues(env);
  const problems: string[] = [];
  const { port } = portFrom(manifest.name, set, portVariable(manifest.name), manifest.port, problems);
  const { port: metricsPort } = portFrom(
    manifest.name,
    set,
    metricsPortVariable(manifest.name),
    manifest.metricsPort,
    problems,
  );
  return { port, metricsPort, problems };
}

const instanceCount = z.union([z.literal('max'), z.number().int().min(1).max(256)]);

/**
 * The fleet as it will run with `env`: each service's ports (its variables or its manifest's defaults)
 * and instance count (its PM2 override, or `defaultInstances`). Problems in the variables are returned
 * with the plan, each naming the service and the variable.
 */
export function planFleet(
  manifests: readonly AnyServiceManifest[],
  env: Env,
  defaultInstances: number,
  cpus: number,
): { services: PlannedService[]; problems: string[] } {
  const set = withoutEmptyValues(env);
  const problems: string[] = [];
  const services = manifests.map((manifest): PlannedService => {
    const port = portFrom(manifest.name, set, portVariable(manifest.name), manifest.port, problems);
    const metrics = portFrom(
      manifest.name,
      set,
      metricsPortVariable(manifest.name),
      manifest.metricsPort,
      problems,
    );
    const override = manifest.pm2?.instances;
    let instances = defaultInstances;
    if (override !== undefined) {
      if (instanceCount.safeParse(override).success) instances = override === 'max' ? cpus : override;
      else problems.push(`${manifest.name}: pm2.instances must be "max" or a whole number from 1 to 256`);
    }
    return {
      name: manifest.name,
      port: port.port,
      portSource: port.source === 'default' ? 'its default' : port.source,
      metricsPort: metrics.port,
      metricsPortSource: metrics.source === 'default' ? 'its default' : metrics.source,
      instances,
      calls: manifest.calls,
    };
  });
  return { services, problems };
}
