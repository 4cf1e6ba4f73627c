import { CONFIG_VARIABLES } from './load-config';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Each app's `env` block in ecosystem.config.js: every configuration variable `env` sets, an empty one
 * included (empty means "back to the default"), except NODE_APP_INSTANCE, which PM2 sets per instance.
 *
 * On PM2 7.0.4 `pm2 reload ecosystem.config.js` makes this block the instance's whole `env` and drops
 * the caller's shell, `--update-env` or not: lib/API.js 1060-1076 sends the block as `current_conf`,
 * and lib/God/Reload.js 288-289 extends the instance's `env` with the shell, then lets `current_conf`
 * replace it. So only what is here reaches the new workers; a variable left out keeps the value the
 * instance has (the top-level `pm2_env` fields, which the new worker is cloned from).
 */
export function ecosystemEnv(env: Env): Record<string, string> {
  const block: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    if (value !== undefined && name !== 'NODE_APP_INSTANCE') block[name] = value;
  }
  return block;
}
