// Container health: every service's /readyz answers 200 (serving; 503 while starting or draining).
const ports = [
  process.env.GATEWAY_PORT || 3000,
  process.env.CATALOG_PORT || 3001,
  process.env.PRICING_PORT || 3002,
];

Promise.all(
  ports.map((port) =>
    fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(4000) }).then(
      (response) => response.ok,
    ),
  ),
).then(
  (ready) => process.exit(ready.every(Boolean) ? 0 : 1),
  () => process.exit(1),
);
