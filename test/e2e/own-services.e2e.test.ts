import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { findProjectRoot } from '../../shared/config';
import { freePort, freePortRange } from '../support/free-port';
import { startGatewayTraffic } from '../support/gateway-traffic';
import type { LoadRun, LoadSummary } from '../support/load-client';
import { createFleet, type CommandResult, type Fleet } from '../support/pm2-fleet';
import { copySources, type SourceCopy } from '../support/source-copy';
import { waitFor } from '../support/wait-for';

/**
 * A user's own service, as README "Run your own service" says: `npm run new-service`, then
 * `npm run rollout` starts it next to the running fleet without a failed request; status and metrics
 * see it; a change to it, or to a variable only one service reads, rolls only that service; a PM2
 * module sharing the daemon (pm2-logrotate) is none of the fleet's business. One fleet, started from
 * a copy of the sources (the scaffolder writes sources), with flags from the local file; the tests
 * run in order, each building on the one before.
 */

const ROLLOUT_ENV = { ROLLOUT_SETTLE_S: '1' };
const NEW_SERVICE = 'inventory';

const run = promisify(execFile);

/**
 * What npm needs from this machine's environment to reach the registry (a proxy, its CA), and nothing
 * else: `pm2 install` runs npm, and the fleet's own environment is deliberately bare.
 */
function registryEnv(): Record<string, string> {
  const wanted = /^(npm_config_.*|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO)_PROXY)$/i;
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => wanted.test(entry[0]) && entry[1] !== undefined,
    ),
  );
}

/** `pm2 install <module>` against the fleet's daemon, as README "Logs" says, with the registry reachable. */
async function pm2Install(fleet: Fleet, module: string): Promise<void> {
  const pm2 = path.join(findProjectRoot(__dirname), 'node_modules', 'pm2', 'bin', 'pm2');
  await run(process.execPath, [pm2, 'install', module], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PM2_HOME: fleet.home, ...registryEnv() },
    maxBuffer: 16 << 20,
  });
}

function explain(result: CommandResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

function failuresOf(summary: LoadSummary<unknown>): string[] {
  return Object.entries(summary.failures).map(([kind, count]) => `${count} × ${kind}`);
}

/** The rollout's one-line verdict on each service: `inventory: CHANGED: …` or `catalog: unchanged: …`. */
function decisions(stdout: string): Record<string, string> {
  const lines = [...stdout.matchAll(/^ {2}([a-z0-9-]+): (CHANGED|unchanged)/gm)];
  return Object.fromEntries(lines.map((match) => [match[1], match[2]]));
}

describe('your own service in the fleet', () => {
  let source: SourceCopy | undefined;
  let fleet: Fleet | undefined;
  let load: LoadRun<unknown> | undefined;
  let port = 0;
  let metricsPort = 0;
  /** The variables of the new service the fleet runs with (as an operator would export them). */
  let serviceEnv: Record<string, string> = {};

  beforeAll(async () => {
    source = await copySources();
    fleet = await createFleet({ instances: 2, projectRoot: source.root });
    port = await freePort();
    metricsPort = await freePortRange(2, [
      port,
      ...Object.values(fleet.ports),
      ...Object.values(fleet.metricsPorts),
    ]);
    serviceEnv = { INVENTORY_METRICS_PORT: String(metricsPort) };
    await fleet.start();
  }, 240_000);

  afterEach(async () => {
    await load?.stop();
    load = undefined;
  }, 30_000);

  afterAll(async () => {
    try {
      await fleet?.destroy();
    } finally {
      await source?.remove();
    }
  }, 60_000);

  function gatewayLoad(): LoadRun<unknown> {
    load = startGatewayTraffic(fleet!.url('gateway', ''));
    return load;
  }

  it('with pm2-logrotate installed in the same daemon, npm run status lists it apart and exits 0', async () => {
    await pm2Install(fleet!, 'pm2-logrotate');
    await waitFor(
      'pm2-logrotate online',
      async () =>
        (await fleet!.list()).some((p) => p.name === 'pm2-logrotate' && p.pm2_env.status === 'online'),
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    const status = await fleet!.status();
    expect({ code: status.code, output: status.stdout + status.stderr }).toEqual({
      code: 0,
      output: expect.any(String),
    });
    expect(status.stdout).toMatch(
      /^Not part of the fleet \(not checked\):\n {2}pm2-logrotate pm_id=\d+ online$/m,
    );
    expect(status.stdout).not.toMatch(/^pm2-logrotate .*UNHEALTHY/m);
    const json = JSON.parse((await fleet!.status('--json')).stdout) as {
      instances: Array<{ process: { name: string } }>;
      others: Array<{ name: string }>;
    };
    expect(json.others.map((other) => other.name)).toEqual(['pm2-logrotate']);
    expect(json.instances.map((report) => report.process.name)).not.toContain('pm2-logrotate');
  }, 180_000);

  it('npm run new-service scaffolds a service; npm run rollout starts it under PM2 next to the others, with zero failed requests on them', async () => {
    const scaffolded = await source!.node(
      'dist/scripts/new-service/main.js',
      NEW_SERVICE,
      '--port',
      String(port),
    );
    expect(scaffolded.stdout).toContain(`created services/${NEW_SERVICE}/`);
    await source!.build();
    const traffic = gatewayLoad();

    const result = await fleet!.rollout([], { ...ROLLOUT_ENV, ...serviceEnv });
    const summary = await traffic.stop();

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 0, output: expect.any(String) });
    expect(result.stdout).toContain(`new in the fleet list, not running yet: ${NEW_SERVICE}`);
    expect(result.stdout).toMatch(new RegExp(`canary ${NEW_SERVICE}: ok`));
    expect(decisions(result.stdout)).toEqual({
      gateway: 'unchanged',
      catalog: 'unchanged',
      pricing: 'unchanged',
    });
    expect(failuresOf(summary)).toEqual([]);
    expect(summary.ok).toBeGreaterThan(20);

    const instances = (await fleet!.list()).filter((p) => p.name === NEW_SERVICE);
    expect(instances.map((p) => p.pm2_env.status)).toEqual(['online', 'online']);
    const reply = await fetch(`http://127.0.0.1:${port}/hello`);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ service: NEW_SERVICE, greeting: `Hello from ${NEW_SERVICE}` });

    // Its own init line in its PM2 logs, its rows in status, its metrics on its own ports.
    const lines = await fleet!.outLines();
    for (const instance of instances) {
      expect(lines.get(instance.pm_id)?.join('\n')).toMatch(/LaunchDarkly client initialized/);
    }
    const status = await fleet!.status();
    expect(status.code).toBe(0);
    expect(
      status.stdout.split('\n').filter((line) => new RegExp(`^${NEW_SERVICE} +\\d .* ok$`).test(line)),
    ).toHaveLength(2);
    for (const offset of [0, 1]) {
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort + offset}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`service="${NEW_SERVICE}"`));
    }
  }, 300_000);

  it('a change to the new service rolls only it', async () => {
    const app = path.join(source!.root, 'services', NEW_SERVICE, 'app.ts');
    await writeFile(
      app,
      (await readFile(app, 'utf8')).replace("DEFAULT_GREETING = 'Hello'", "DEFAULT_GREETING = 'Hi'"),
    );
    await source!.build();
    const traffic = gatewayLoad();

    const result = await fleet!.rollout([], { ...ROLLOUT_ENV, ...serviceEnv });
    const summary = await traffic.stop();

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 0, output: expect.any(String) });
    expect(decisions(result.stdout)).toEqual({
      gateway: 'unchanged',
      catalog: 'unchanged',
      pricing: 'unchanged',
      [NEW_SERVICE]: 'CHANGED',
    });
    expect(result.stdout).toMatch(new RegExp(`\\[2/2\\] ${NEW_SERVICE} pm_id \\d+: ok`));
    expect(failuresOf(summary)).toEqual([]);
  }, 300_000);

  it('changing a variable only the gateway reads rolls only the gateway', async () => {
    const traffic = gatewayLoad();

    const result = await fleet!.rollout([], { ...ROLLOUT_ENV, ...serviceEnv, UPSTREAM_TIMEOUT_MS: '2500' });
    const summary = await traffic.stop();

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 0, output: expect.any(String) });
    expect(decisions(result.stdout)).toEqual({
      gateway: 'CHANGED',
      catalog: 'unchanged',
      pricing: 'unchanged',
      [NEW_SERVICE]: 'unchanged',
    });
    expect(result.stdout).toMatch(/gateway: CHANGED: new environment/);
    expect(failuresOf(summary)).toEqual([]);
    // pm2-logrotate, still in the daemon, neither stopped the rollout nor makes the fleet unhealthy.
    expect((await fleet!.status()).code).toBe(0);
  }, 300_000);
});
