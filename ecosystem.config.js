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
    // The PM2 CLI reads this file on its own Node.js, and its daemon runs every worker on the Node.js it
    // was started on: refuse an end-of-life one here, before any worker starts on it.
    require('./dist/shared/runtime/supported-node').assertSupportedNode();
    fleetConfig = require('./dist/shared/config');
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND') throw new Error(STALE_BUILD);
    throw error;
  }
  if (typeof fleetConfig.ecosystemEnv !== 'function') throw new Error(STALE_BUILD);
  return fleetConfig;
}

const { SERVICE_NAMES, ecosystemEnv, loadConfig } = loadFleetConfig();

function app(service) {
  const config = loadConfig(process.env, service);
  return {
    name: service,
    script: path.join(__dirname, 'dist', 'services', service, 'main.js'),
    cwd: __dirname,
    // Cluster mode ignores `interpreter`: PM2 runs the compiled JavaScript.
    exec_mode: 'cluster',
    instances: config.fleetInstances,
    // --max-semi-space-size=1 (MB): V8 from Node 22 on keeps a young generation grown at start-up
    // (16 MB) through idle time, where Node 20 shrank it; the cap saves about 13 MB of RSS per instance.
    // Its throughput cost is measured beside it in the benchmark (README, Performance).
    node_args: ['--enable-source-maps', '--max-semi-space-size=1'],
    // Online only after flags are in and the port is bound (the service sends 'ready').
    wait_ready: true,
    listen_timeout: config.timings.listenTimeoutMs,
    // SIGKILL only after the service had its whole drain, flush and log flush.
    kill_timeout: config.timings.killTimeoutMs,
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

module.exports = { apps: SERVICE_NAMES.map(app) };
