import { metricsPortVariable, portVariable } from '../../shared/fleet';
import type { FleetInstance } from './fleet-instance';

type Env = Readonly<Record<string, string | undefined>>;

/** `NODE_APP_INSTANCE` of a canary: its log lines and `X-Served-By` read `orders#canary`. */
export const CANARY_INSTANCE = 'canary';

/**
 * The environment a canary of `template`'s service runs with: what the new workers of the reload will
 * get (the running worker's configuration, extended by the rollout's own environment, as
 * `pm2 reload --update-env` does), on a spare port and a spare metrics port (the fleet's are held by
 * PM2's cluster master), marked as the canary. The worker's configuration is read from its top-level
 * `pm2_env` (`workerEnv`), not PM2's `env`, which `pm2 reload ecosystem.config.js` reduces to the
 * ecosystem's own block.
 */
export function canaryEnv(
  template: Pick<FleetInstance, 'service' | 'workerEnv'>,
  serviceVariables: readonly string[],
  rolloutEnv: Env,
  port: number,
  metricsPort: number,
): Record<string, string> {
  const env: Record<string, string> = {};
  // What the service reads, and NODE_ENV (libraries read it). The rest of the worker's `pm2_env` is
  // PM2's own (pm_id, status, restart_time…), no business of a process outside PM2.
  for (const name of [...serviceVariables, 'NODE_ENV']) {
    const value = template.workerEnv[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(rolloutEnv)) if (value !== undefined) env[name] = value;
  env[portVariable(template.service)] = String(port);
  // A label instance has no offset: its metrics port is the base itself.
  env[metricsPortVariable(template.service)] = String(metricsPort);
  env.NODE_APP_INSTANCE = CANARY_INSTANCE;
  return env;
}
