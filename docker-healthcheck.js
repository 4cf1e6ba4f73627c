// Container health: every service's /readyz answers 200 (serving; 503 while starting, leaving or draining).
const net = require('node:net');

const bind = process.env.BIND_ADDRESS;
const local = !bind || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
const host = net.isIPv6(local) ? `[${local}]` : local;
const ports = [
  process.env.GATEWAY_PORT || 3000,
  process.env.CATALOG_PORT || 3001,
  process.env.PRICING_PORT || 3002,
];

Promise.all(
  ports.map((port) =>
    fetch(`http://${host}:${port}/readyz`, { signal: AbortSignal.timeout(4000) }).then(
      (response) => response.ok,
    ),
  ),
).then(
  (ready) => process.exit(ready.every(Boolean) ? 0 : 1),
  () => process.exit(1),
);
