import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { findProjectRoot } from '../../shared/config';
import { acceptsConnections } from '../../shared/runtime';
import { describeLoad, startBalancedLoad } from '../support/balanced-load';
import { createHosts, stopHost } from '../support/fleet-hosts';
import { freePort } from '../support/free-port';
import { startHaproxy, type Haproxy } from '../support/haproxy';
import type { Fleet } from '../support/pm2-fleet';
import { waitFor } from '../support/wait-for';

const projectRoot = findProjectRoot(__dirname);
/** More than the example haproxy.cfg's fall × inter (2 × 500 ms), plus one inter of margin. */
const DRAIN_DELAY_MS = '1500';

/** Lets the load run a little before and after each change, so requests are in flight throughout. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('two hosts (one PM2 daemon each, BIND_ADDRESS on a loopback alias) behind HAProxy with the example haproxy.cfg', () => {
  let hosts: Fleet[] = [];
  let haproxy: Haproxy | undefined;
  let runtime: ChildProcess | undefined;

  beforeAll(async () => {
    hosts = await createHosts(2, { env: { DRAIN_DELAY_MS } });
    for (const host of hosts) await host.start();
    const listen = `127.0.0.1:${await freePort()}`;
    haproxy = await startHaproxy({
      listen,
      hosts: hosts.map((host) => `${host.address}:${host.ports.gateway}`),
    });
  }, 180_000);

  afterAll(async () => {
    if (runtime?.pid !== undefined && runtime.exitCode === null) process.kill(-runtime.pid, 'SIGKILL');
    await haproxy?.stop();
    await Promise.all(hosts.map((host) => host.destroy()));
  }, 60_000);

  it('each host serves on its own address only, on the same ports', async () => {
    const [one, two] = hosts;
    expect(await acceptsConnections(one!.address, one!.ports.gateway)).toBe(true);
    expect(await acceptsConnections(two!.address, two!.ports.gateway)).toBe(true);
    expect(one!.ports).toEqual(two!.ports);
    // Not every interface: nothing of the fleet listens on 127.0.0.1.
    expect(await acceptsConnections('127.0.0.1', one!.ports.gateway)).toBe(false);
    expect(await acceptsConnections('127.0.0.1', one!.metricsPorts.catalog)).toBe(false);
  });

  it('npm run drain: the host leaves HAProxy while it still serves, stops callers first, and no GET or POST fails; started again, it rejoins', async () => {
    const [one] = hosts;
    const load = startBalancedLoad(haproxy!.baseUrl);
    await pause(1_000);

    const drained = stopHost(one!);
    await haproxy!.waitForServer('host1', 'DOWN');
    // HAProxy took it out before its gateway stopped listening: the point of DRAIN_DELAY_MS.
    const servingWhenDown = await acceptsConnections(one!.address, one!.ports.gateway);
    const result = await drained;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/answer \/readyz 503 from now on, still serving/);
    expect(result.stdout.indexOf('gateway stopped')).toBeLessThan(
      result.stdout.indexOf('catalog, pricing stopped'),
    );
    expect((await one!.list()).every((instance) => instance.pm2_env.status === 'stopped')).toBe(true);

    await one!.pm2('start', path.join(projectRoot, 'ecosystem.config.js'));
    await haproxy!.waitForServer('host1', 'UP');
    await pause(1_000);
    const summary = await load.stop();

    expect(servingWhenDown).toBe(true);
    expect(describeLoad(summary)).toBe(
      `GET 0/${summary.get.total} failed, POST 0/${summary.post.total} failed`,
    );
    expect(summary.get.total).toBeGreaterThan(100);
  }, 180_000);

  it('the guarded rollout of a whole host behind HAProxy: no drain delay on its reloads, no failed request', async () => {
    const [, two] = hosts;
    const load = startBalancedLoad(haproxy!.baseUrl);
    await pause(500);
    const rolled = await two!.rollout(['--all'], {}, 300_000);
    await pause(500);
    const summary = await load.stop();

    expect({ code: rolled.code, stderr: rolled.stderr }).toEqual({ code: 0, stderr: '' });
    expect(rolled.stdout).toMatch(
      /rollout: host .*\(BIND_ADDRESS 127\.0\.0\.3\).*: done; every instance runs the new build/,
    );
    const lines = [...(await two!.outLines()).values()].flat();
    // Each reload's old worker gets SIGINT and drains at once: PM2 keeps the port with the others.
    expect(lines.filter((line) => line.includes('Left the load balancer'))).toEqual([]);
    expect(lines.some((line) => line.includes('Connections drained'))).toBe(true);
    expect(describeLoad(summary)).toBe(
      `GET 0/${summary.get.total} failed, POST 0/${summary.post.total} failed`,
    );
  }, 360_000);

  it('pm2 kill (every app at once, as for an OS patch): callees outlive their callers, no GET or POST fails', async () => {
    const [one] = hosts;
    await waitFor('host 1 online', async () =>
      (await one!.list()).every((i) => i.pm2_env.status === 'online'),
    );
    const load = startBalancedLoad(haproxy!.baseUrl);
    await pause(1_000);
    const before = await one!.list();
    await one!.pm2('kill');
    await haproxy!.waitForServer('host1', 'DOWN');
    await pause(1_000);
    const summary = await load.stop();

    expect(before).toHaveLength(6);
    expect(describeLoad(summary)).toBe(
      `GET 0/${summary.get.total} failed, POST 0/${summary.post.total} failed`,
    );
  }, 180_000);

  it('SIGTERM to pm2-runtime (the container) on a host: it leaves HAProxy first, no GET or POST fails', async () => {
    const [one] = hosts;
    runtime = spawn(
      process.execPath,
      [path.join(projectRoot, 'node_modules', 'pm2', 'bin', 'pm2-runtime'), 'start', 'ecosystem.config.js'],
      { cwd: projectRoot, env: one!.env, detached: true, stdio: 'ignore' },
    );
    await haproxy!.waitForServer('host1', 'UP', 90_000);
    const load = startBalancedLoad(haproxy!.baseUrl);
    await pause(1_000);
    const exited = new Promise<number | null>((resolve) => runtime!.once('exit', (code) => resolve(code)));
    runtime.kill('SIGTERM');
    await haproxy!.waitForServer('host1', 'DOWN');
    const code = await exited;
    await pause(500);
    const summary = await load.stop();

    expect(code).toBe(0);
    expect(describeLoad(summary)).toBe(
      `GET 0/${summary.get.total} failed, POST 0/${summary.post.total} failed`,
    );
  }, 180_000);
});
