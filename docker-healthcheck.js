// Container health: every service of the fleet list answers /readyz 200 (serving; 503 while starting,
// leaving or draining) on its port (its <NAME>_PORT, or its manifest's), on BIND_ADDRESS when set.
const { fleet } = require('./dist/services/fleet');
const { resolvePorts } = require('./dist/shared/fleet');
const { httpOrigin, localAddressOf } = require('./dist/shared/runtime');

const address = localAddressOf(process.env.BIND_ADDRESS || undefined);

Promise.all(
  fleet.map((service) =>
    fetch(`${httpOrigin(address, resolvePorts(service, process.env).port)}/readyz`, {
      signal: AbortSignal.timeout(4000),
    }).then((response) => response.ok),
  ),
).then(
  (ready) => process.exit(ready.every(Boolean) ? 0 : 1),
  () => process.exit(1),
);
