import { metricsPortVariable, portVariable, type ServiceName } from '../../shared/config';

type Env = Readonly<Record<string, string | undefined>>;

/** `NODE_APP_INSTANCE` of a canary: its log lines and `X-Served-By` read `catalog#canary`. */
export const CANARY_INSTANCE = 'canary';

/**
 * The environment a canary runs with: what the new workers of the reload will get (the running
 * instance's environment, extended by the rollout's own, as `pm2 reload --update-env` does), on a
 * spare port and a spare metrics port (the fleet's are held by PM2's cluster master), marked as
 * the canary.
 */
export function canaryEnv(
  service: ServiceName,
  instanceEnv: Env,
  rolloutEnv: Env,
  port: number,
  metricsPort: number,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of [instanceEnv, rolloutEnv]) {
    for (const [name, value] of Object.entries(source)) if (value !== undefined) env[name] = value;
  }
  env[portVariable(service)] = String(port);
  // A label instance has no offset: its metrics port is the base itself.
  env[metricsPortVariable(service)] = String(metricsPort);
  env.NODE_APP_INSTANCE = CANARY_INSTANCE;
  return env;
}
