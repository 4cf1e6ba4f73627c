// PM2 deploy for a fleet on several hosts: `npm run deploy` (pm2 deploy deploy.config.js production)
// rolls every host, one after the other, through the guarded rollout. pm2-deploy runs the hosts in
// series and stops at the first that fails, so a canary refused on the first host means the second
// is never touched; each host's rollout report names the host and the checkout it runs.
// First time: `npm run deploy -- setup`, then start each host's fleet once
// (`pm2 deploy deploy.config.js production exec "npm ci && npm run fleet:start"`). Each host keeps
// its own configuration (BIND_ADDRESS, DRAIN_DELAY_MS, ports…) in the deploy user's environment.
// See docs/multi-host.md.
//
// Variables (read here, on the machine you deploy from):
//   DEPLOY_HOSTS        required: the hosts in rolling order, `user@address`, separated by spaces or commas
//   DEPLOY_REPO         required: the git repository the hosts clone (as they reach it)
//   DEPLOY_PATH         where each host keeps the checkout (default /srv/flagfleet)
//   DEPLOY_REF          what to deploy (default origin/main)
//   DEPLOY_SSH_OPTIONS  extra ssh options, `Key=value` separated by spaces (e.g. Port=2222)

function required(name) {
  const value = (process.env[name] || '').trim();
  if (value === '') throw new Error(`${name} is not set: see the top of deploy.config.js`);
  return value;
}

const hosts = required('DEPLOY_HOSTS')
  .split(/[\s,]+/)
  .filter(Boolean);
const badHost = hosts.find((host) => !/^[\w.-]+@[\w.:[\]-]+$/.test(host));
if (badHost) throw new Error(`DEPLOY_HOSTS: "${badHost}" is not user@address`);

module.exports = {
  deploy: {
    production: {
      host: hosts,
      repo: required('DEPLOY_REPO'),
      ref: (process.env.DEPLOY_REF || '').trim() || 'origin/main',
      path: (process.env.DEPLOY_PATH || '').trim() || '/srv/flagfleet',
      ssh_options: (process.env.DEPLOY_SSH_OPTIONS || '').split(/\s+/).filter(Boolean),
      // On each host, in turn: install exactly the lock file, then the guarded rollout (it builds,
      // canaries the changed services, reloads one instance at a time). A non-zero exit stops the deploy.
      'post-deploy': 'npm ci --no-audit --no-fund && npm run rollout',
    },
  },
};
