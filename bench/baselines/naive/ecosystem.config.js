// The naive baseline under exactly the PM2 settings of the fleet's catalog service (instances,
// wait_ready, listen_timeout, kill_timeout, restarts), on the catalog's port: only the script differs.
const path = require('node:path');

const projectRoot = path.join(__dirname, '..', '..', '..');
const { apps } = require(path.join(projectRoot, 'ecosystem.config.js'));
const catalog = apps.find((app) => app.name === 'catalog');

module.exports = {
  apps: [
    {
      ...catalog,
      name: 'naive',
      script: path.join(projectRoot, 'dist', 'bench', 'baselines', 'naive', 'main.js'),
      env: { ...catalog.env, PORT: String(process.env.CATALOG_PORT ?? 3001) },
    },
  ],
};
