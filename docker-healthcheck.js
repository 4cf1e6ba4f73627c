// Container health: every service of the fleet list answers /readyz 200 (serving; 503 while starting
// or draining) on its port (its <NAME>_PORT, or its manifest's).
const { fleet } = require('./dist/services/fleet');
const { resolvePorts } = require('./dist/shared/fleet');

Promise.all(
  fleet.map((service) =>
    fetch(`http://127.0.0.1:${resolvePorts(service, process.env).port}/readyz`, {
      signal: AbortSignal.timeout(4000),
    }).then((response) => response.ok),
  ),
).then(
  (ready) => process.exit(ready.every(Boolean) ? 0 : 1),
  () => process.exit(1),
);
