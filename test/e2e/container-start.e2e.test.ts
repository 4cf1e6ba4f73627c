import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { findProjectRoot } from '../../shared/config';
import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../support/fleet-flags';
import { freePorts } from '../support/free-port';
import { startLaunchDarklyDouble, type LaunchDarklyDouble } from '../support/launchdarkly-double';
import { runLoad } from '../support/load-client';
import { waitFor } from '../support/wait-for';

const projectRoot = findProjectRoot(__dirname);
const INSTANCES_PER_SERVICE = 2;

/** The final stage's ENV and CMD, read from the Dockerfile itself, so the test runs what the image runs. */
async function imageStartCommand(): Promise<{ command: string[]; env: Record<string, string> }> {
  const dockerfile = await readFile(path.join(projectRoot, 'Dockerfile'), 'utf8');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, body] of finalStage.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)) {
    for (const [, name, value] of body!.replace(/\\\n/g, ' ').matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
  }
  const cmd = /^CMD (\[.*\])$/m.exec(finalStage)?.[1];
  if (!cmd) throw new Error('no CMD in the Dockerfile');
  return { command: JSON.parse(cmd) as string[], env };
}

describe("the container's start command (pm2-runtime), run locally", () => {
  let double: LaunchDarklyDouble;
  let runtime: ChildProcess | undefined;
  let home: string;
  const output: string[] = [];

  beforeAll(async () => {
    double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
    home = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-pm2-runtime-'));
  });

  afterAll(async () => {
    if (runtime?.exitCode === null && runtime.pid !== undefined) process.kill(-runtime.pid, 'SIGKILL');
    await double.close();
    await rm(home, { recursive: true, force: true });
  }, 30_000);

  it('runs the fleet, reports healthy, and on SIGTERM stops every instance cleanly with every event flushed', async () => {
    const { command, env: imageEnv } = await imageStartCommand();
    const [gateway, catalog, pricing] = await freePorts(3);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...imageEnv,
      PM2_HOME: home,
      FLEET_INSTANCES: String(INSTANCES_PER_SERVICE),
      GATEWAY_PORT: String(gateway),
      CATALOG_PORT: String(catalog),
      PRICING_PORT: String(pricing),
      ...launchDarklyEnv(double),
    };
    const [program, ...args] = command;
    runtime = spawn(path.resolve(projectRoot, program!), args, { cwd: projectRoot, env, detached: true });
    runtime.stdout!.on('data', (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n')));
    runtime.stderr!.on('data', (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n')));

    await double.waitForStreams(3 * INSTANCES_PER_SERVICE, 60_000);
    await waitFor(
      'the container health check to pass',
      async () => {
        const check = await promisify(execFile)(process.execPath, ['docker-healthcheck.js'], {
          cwd: projectRoot,
          env,
        }).then(
          () => true,
          () => false,
        );
        return check;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );

    const summary = await runLoad({
      baseUrl: `http://127.0.0.1:${gateway}`,
      concurrency: 4,
      maxRequests: 300,
      request: (index) => ({
        path: '/api/products?limit=1',
        headers: { 'X-User-Key': `container-user-${index}` },
      }),
    });
    expect(summary.failed).toBe(0);

    const exited = once(runtime, 'exit');
    runtime.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);

    const expectedKeys = Array.from({ length: summary.total }, (_, index) => `container-user-${index}`);
    expect(expectedKeys.filter((key) => !double.contextKeys().includes(key))).toEqual([]);
    expect(double.summaryCounts('maintenance-mode')).toBe(summary.total);

    const jsonLines = output
      .map((line) => /(\{".*\})\s*$/.exec(line)?.[1])
      .flatMap((json) =>
        json === undefined ? [] : [JSON.parse(json) as { msg?: string; service?: string }],
      );
    expect(jsonLines.filter((line) => line.msg === 'LaunchDarkly client initialized')).toHaveLength(6);
    expect(jsonLines.filter((line) => line.msg === 'Shutdown complete')).toHaveLength(6);
    expect(output.join('\n')).not.toContain(DOUBLE_SDK_KEY);
  }, 120_000);
});
