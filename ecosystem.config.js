// PM2 ecosystem for the whole fleet: `pm2 start ecosystem.config.js` after `npm run build`,
// `pm2 reload ecosystem.config.js` to roll it. One app per service of the fleet list
// (services/fleet.ts), each from its manifest (services/<name>/service.ts). The fleet is checked as a
// whole (names, ports, metrics ranges, calls) and every service's configuration is validated as the
// services validate it, so a broken fleet list or a bad variable stops `pm2 start` here, naming the
// service and the variable, instead of crash-looping.
// Each app's `env` carries the variables that service reads, as set in the environment this file is
// read in: a reload from this file gives the instances that block and nothing of the shell (docs,
// "Change the fleet's environment").
const path = require('node:path');

const STALE_BUILD = 'dist/ is missing or stale: run `npm run build` before starting the fleet with PM2';

function requireBuilt(module) {
  try {
    return require(module);
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND') throw new Error(STALE_BUILD);
    throw error;
  }
}

const { fleet } = requireBuilt('./dist/services/fleet');
const { ecosystemApps } = requireBuilt('./dist/shared/runtime');
if (!Array.isArray(fleet) || typeof ecosystemApps !== 'function') throw new Error(STALE_BUILD);

module.exports = { apps: ecosystemApps(fleet, process.env, path.join(__dirname, 'dist')) };
