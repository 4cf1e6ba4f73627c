/**
 * The stack the fleet is built on and nothing of the fleet's: Koa with @koa/router serving one route that
 * evaluates a flag, a winston logger, the LaunchDarkly SDK in offline mode (no stream, no events). Its
 * idle RSS is the floor under figure 6's per-instance target on the Node.js it runs on: no code of ours,
 * no PM2 injection, no metrics, no config validation. Started by `bench/measure/stack-floor.ts` with
 * `fork`; sends `{ port }` once it listens and stops on SIGTERM.
 */
import Router from '@koa/router';
import { init } from '@launchdarkly/node-server-sdk';
import Koa from 'koa';
import winston from 'winston';

const logger = winston.createLogger({ transports: [new winston.transports.Console({ silent: true })] });
const client = init('sdk-offline', {
  offline: true,
  logger: { error() {}, warn() {}, info() {}, debug() {} },
});
const router = new Router();
router.get('/products', async (ctx) => {
  ctx.body = { sort: await client.variation('catalog-sort', { kind: 'user', key: 'floor' }, 'newest') };
  logger.info('answered');
});
const app = new Koa().use(router.routes());
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.send?.({ port: address.port });
});
process.once('SIGTERM', () => {
  client.close();
  server.close(() => process.exit(0));
});
