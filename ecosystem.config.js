// PM2 ecosystem for the whole fleet: `pm2 start ecosystem.config.js` after `npm run build`,
// `pm2 reload ecosystem.config.js` to roll it. Settings come from the same validated config the
// services use, so a bad variable stops `pm2 start` here, naming it, instead of crash-looping.
// Each app's `env` carries the configuration variables set in the environment this file is read in:
// a reload from this file gives the instances that block and nothing of the shell (README,
// "Change the fleet's environment").
const path = require('node:path');

const STALE_BUILD = 'dist/ is missing or stale: run `npm run build` before starting the fleet with PM2';

function loadFleetConfig() {
  let fleetConfig;
  try {
    fleetConfig = require('./dist/shared/config');
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND') throw new Error(STALE_BUILD);
    throw error;
  }
  if (typeof fleetConfig.fleetStartOrder !== 'function') throw new Error(STALE_BUILD);
  return fleetConfig;
}

const { ecosystemEnv, fleetStartOrder, loadConfig } = loadFleetConfig();

function app(service) {
  const config = loadConfig(process.env, service);
  return {
    name: service,
    script: path.join(__dirname, 'dist', 'services', service, 'main.js'),
    cwd: __dirname,
    // Cluster mode ignores `interpreter`: PM2 runs the compiled JavaScript.
    exec_mode: 'cluster',
    instances: config.fleetInstances,
    node_args: ['--enable-source-maps'],
    // Online only after flags are in and the port is bound (the service sends 'ready').
    wait_ready: true,
    listen_timeout: config.timings.listenTimeoutMs,
    // SIGKILL only after the service had its whole stop: on a whole-host stop the drain delay and the
    // wait for its callers too (shared/config/fleet-timings.ts).
    kill_timeout: config.timings.killTimeoutMs,
    // pm2 stop/delete/kill and pm2-runtime send the 'shutdown' message: a whole-host stop, which
    // leaves the load balancer first. A reload still sends SIGINT (PM2 never sends the message to the
    // old worker), and drains at once (shared/runtime/stop-kind.ts).
    shutdown_with_message: true,
    // A crashing build backs off instead of spinning, and gives up after max_restarts.
    exp_backoff_restart_delay: 100,
    min_uptime: 5_000,
    max_restarts: 10,
    max_memory_restart: '512M',
    autorestart: true,
    watch: false,
    // One log file per instance ($PM2_HOME/logs/<service>-out-<pm_id>.log); lines carry their own time.
    merge_logs: false,
    // Each instance serves /metrics on <SERVICE>_METRICS_PORT + NODE_APP_INSTANCE (see loadConfig).
    // Not `increment_var`: `pm2 reload ecosystem.config.js` resets the variable to its base.
    env: { ...ecosystemEnv(process.env), NODE_ENV: 'development' },
    env_production: { NODE_ENV: 'production', LOG_FORMAT: 'json' },
  };
}

// Callees first, the edge last: PM2 starts apps in this order, two at a time, and a gateway that
// came up before its pricing would answer quotes with 502 (it waits for them only a few seconds).
module.exports = { apps: fleetStartOrder().map(app) };
