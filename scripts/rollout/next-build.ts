import {
  buildRootOfScript,
  computeBuildFingerprint,
  fingerprintInputs,
  type BuildFingerprint,
} from '../../shared/build';
import type { AnyServiceManifest } from '../../shared/fleet';
import { serviceBuildInputs } from '../../shared/runtime';
import type { FleetInstance } from './fleet-instance';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The environment `pm2.reload(pm_id, { updateEnv: true })` starts the new worker with: the running
 * worker's, each variable the rollout has overriding it (God/Reload.js extends `pm2_env.env` with the
 * caller's environment, then God.js#executeApp sets it over the cloned `pm2_env`). A variable the
 * rollout does not have keeps its old value: a reload never removes one.
 */
export function reloadedEnv(instance: FleetInstance, rolloutEnv: Env): Record<string, string> {
  const env: Record<string, string> = { ...instance.workerEnv };
  for (const [name, value] of Object.entries(rolloutEnv)) if (value !== undefined) env[name] = value;
  return env;
}

/**
 * What each instance will report once reloaded: the build at its PM2 script's path (the one a reload
 * loads) with the environment the reload gives it, counting what its service reads (`fleet`, the
 * fleet list, says what that is). By pm_id; an Error when it cannot be computed.
 */
export async function nextBuilds(
  instances: readonly FleetInstance[],
  fleet: readonly AnyServiceManifest[],
  rolloutEnv: Env,
): Promise<Map<number, BuildFingerprint | Error>> {
  // Instances of one service usually hash the same files and environment: compute each once.
  const computed = new Map<string, Promise<BuildFingerprint>>();
  const entries = await Promise.all(
    instances.map(async (instance) => {
      const manifest = fleet.find((service) => service.name === instance.service);
      if (!manifest)
        return [instance.pmId, new Error(`${instance.service} is not in the fleet list`)] as const;
      const inputs = fingerprintInputs({
        service: serviceBuildInputs(manifest, fleet),
        env: reloadedEnv(instance, rolloutEnv),
        cwd: instance.cwd,
        buildRoot: buildRootOfScript(instance.script),
      });
      const key = JSON.stringify(inputs);
      if (!computed.has(key)) computed.set(key, computeBuildFingerprint(inputs));
      try {
        return [instance.pmId, await computed.get(key)!] as const;
      } catch (error) {
        return [instance.pmId, error instanceof Error ? error : new Error(String(error))] as const;
      }
    }),
  );
  return new Map<number, BuildFingerprint | Error>(entries);
}
