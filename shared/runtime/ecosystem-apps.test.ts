import { z } from 'zod';

import { ConfigError, integer } from '../config';
import { defineService, type AnyServiceManifest } from '../fleet';
import { ecosystemApps } from './ecosystem-apps';

const orders = defineService({
  name: 'orders',
  port: 4001,
  metricsPort: 9400,
  env: z.object({ ORDERS_PAGE_SIZE: integer(1, 100).default(20) }),
  canary: { path: '/orders' },
  calls: [],
});
const edge = defineService({
  name: 'edge',
  port: 4000,
  metricsPort: 9300,
  canary: { path: '/' },
  calls: ['orders'],
  pm2: { instances: 1, max_memory_restart: '256M' },
});

function problemsOf(fleet: readonly AnyServiceManifest[], env: Record<string, string> = {}): string[] {
  try {
    ecosystemApps(fleet, env, '/srv/app/dist');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('ecosystemApps', () => {
  it('makes one cluster app per service of the list, from its manifest, with its PM2 overrides and only its own variables in env', () => {
    const apps = ecosystemApps(
      [edge, orders],
      { ORDERS_PAGE_SIZE: '5', EDGE_PORT: '4100', HOME: '/root' },
      '/srv/app/dist',
    );
    // Callees first: PM2 starts the apps in this order, and edge calls orders.
    expect(apps.map((app) => app.name)).toEqual(['orders', 'edge']);
    expect(apps.find((app) => app.name === 'edge')).toMatchObject({
      script: '/srv/app/dist/services/edge/main.js',
      cwd: '/srv/app',
      exec_mode: 'cluster',
      instances: 1,
      max_memory_restart: '256M',
      wait_ready: true,
      env: { EDGE_PORT: '4100', NODE_ENV: 'development' },
      // pm2 stop/delete/kill and pm2-runtime then send the shutdown message: a whole-host stop.
      shutdown_with_message: true,
    });
    expect(apps.find((app) => app.name === 'orders')).toMatchObject({
      instances: 2,
      env: { ORDERS_PAGE_SIZE: '5', NODE_ENV: 'development' },
    });
    expect(apps[0]!.kill_timeout).toBeGreaterThan(apps[0]!.listen_timeout as number);
  });

  it("runs every instance with V8's young generation capped (idle memory on Node 24+) unless its manifest sets node_args", () => {
    const own = defineService({
      name: 'own',
      port: 4002,
      metricsPort: 9500,
      canary: { path: '/' },
      calls: [],
      pm2: { node_args: ['--enable-source-maps'] },
    });
    const apps = ecosystemApps([edge, orders, own], {}, '/srv/app/dist');

    expect(apps[0]!.node_args).toEqual(['--enable-source-maps', '--max-semi-space-size=1']);
    expect(apps[1]!.node_args).toEqual(['--enable-source-maps', '--max-semi-space-size=1']);
    expect(apps[2]!.node_args).toEqual(['--enable-source-maps']);
  });

  it('stops on a broken fleet list, every problem naming its service', () => {
    expect(problemsOf([edge])).toEqual([
      'edge: calls orders, which is not in the fleet list',
      'edge: ORDERS_URL: must be set: orders is not in this fleet list',
    ]);
    expect(problemsOf([edge, orders, { ...orders, name: 'stock', metricsPort: 9401 }])).toEqual([
      "stock: port 4001 (its default) is orders's port too; every service needs its own port",
      "stock: metrics ports 9401-9402 (its default) overlap orders's metrics ports 9400-9401 (its default)",
    ]);
  });

  it("names the service and its variable for a bad value of a service's own variable, and a shared one once", () => {
    expect(
      problemsOf([edge, orders], { ORDERS_PAGE_SIZE: '500', LOG_LEVEL: 'loud', EDGE_PORT: 'x' }),
    ).toEqual(
      [
        'edge: EDGE_PORT: must be a whole number from 1 to 65535',
        'LOG_LEVEL: must be one of error, warn, info, http, verbose, debug',
        'edge: EDGE_PORT: must be a whole number from 1 to 65535',
        'orders: ORDERS_PAGE_SIZE: must be a whole number from 1 to 100',
      ].filter((line, index, all) => all.indexOf(line) === index),
    );
  });

  it('counts FLEET_INSTANCES in the metrics ranges', () => {
    const fleet = [
      { ...edge, pm2: undefined },
      { ...orders, metricsPort: 9302 },
    ];
    expect(() => ecosystemApps(fleet, { FLEET_INSTANCES: '2' }, '/srv/app/dist')).not.toThrow();
    expect(problemsOf(fleet, { FLEET_INSTANCES: '3' })).toEqual([
      "orders: metrics ports 9302-9304 (its default) overlap edge's metrics ports 9300-9302 (its default)",
    ]);
  });
});
