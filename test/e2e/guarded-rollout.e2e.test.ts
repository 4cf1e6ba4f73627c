import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../support/fleet-flags';
import { startLaunchDarklyDouble, type LaunchDarklyDouble } from '../support/launchdarkly-double';
import { startGatewayTraffic } from '../support/gateway-traffic';
import type { LoadRun, LoadSummary } from '../support/load-client';
import { startFleet, type CommandResult, type Fleet, type Pm2Instance } from '../support/pm2-fleet';
import { copyProject, type ProjectCopy } from '../support/project-copy';

/**
 * `npm run rollout` against a real PM2 fleet running from a copy of the built project, so a test can
 * put a bad build in the copy's dist/ the way a deploy does (the running workers keep the code they
 * loaded; only reloaded or newly started ones read the new files) without touching the repository.
 *
 * The rollout rolls only services whose build changed, so the tests run in order on one fleet: after
 * each, the fleet runs the build in the copy's dist/ (refusals leave the fleet alone and restore the
 * file they broke), except the last one, which leaves a catalog instance on a broken build.
 */

const INSTANCES_PER_SERVICE = 2;
/** Short settle periods: the checks are the same, the machine may be shared and slow. */
const ROLLOUT_ENV = { ROLLOUT_SETTLE_S: '1' };
const CATALOG_MAIN = 'dist/services/catalog/main.js';
const PRICING_APP = 'dist/services/pricing/app.js';

function failuresOf(summary: LoadSummary<unknown>): string[] {
  return Object.entries(summary.failures).map(([kind, count]) => `${count} × ${kind}`);
}

function byPmId(list: readonly Pm2Instance[]): Map<number, Pm2Instance> {
  return new Map(list.map((instance) => [instance.pm_id, instance]));
}

/** The canaries the rollout started, by service, in the order it reported them. */
function canariesIn(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}canary (\w+):/gm)].map((match) => match[1]!);
}

function explain(result: CommandResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

describe('guarded rollout', () => {
  let copy: ProjectCopy | undefined;
  let double: LaunchDarklyDouble | undefined;
  let fleet: Fleet | undefined;
  let load: LoadRun<unknown> | undefined;

  beforeAll(async () => {
    copy = await copyProject();
    double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
    fleet = await startFleet({
      instances: INSTANCES_PER_SERVICE,
      projectRoot: copy.root,
      env: launchDarklyEnv(double),
    });
  }, 90_000);

  afterEach(async () => {
    await load?.stop();
    load = undefined;
    await copy?.restore();
    if (double) double.faults.stream = 'ok';
  }, 30_000);

  afterAll(async () => {
    await fleet?.destroy();
    await double?.close();
    await copy?.remove();
  }, 30_000);

  /** Keep-alive traffic through the gateway (and so to catalog and pricing) while the rollout runs. */
  function gatewayLoad(): LoadRun<unknown> {
    load = startGatewayTraffic(fleet!.url('gateway', ''));
    return load;
  }

  it('(a) with --all, rolls every service one instance at a time: zero failed requests, every instance a new pid', async () => {
    const before = byPmId(await fleet!.list());
    const traffic = gatewayLoad();

    const result = await fleet!.rollout(['--all'], ROLLOUT_ENV);
    const summary = await traffic.stop();

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 0, output: expect.any(String) });
    // The build in dist/ is the one the fleet started from: nothing changed, every service rolled anyway.
    expect(result.stdout).toMatch(
      / {2}catalog: unchanged: every instance runs this build; rolled anyway \(--all\)/,
    );
    expect(canariesIn(result.stdout)).toEqual(['gateway', 'catalog', 'pricing']);
    expect(result.stdout).toMatch(/canary gateway: ok: ready with flags initialised/);
    expect(result.stdout).toMatch(/\[6\/6\] gateway pm_id \d+: ok/);
    expect(result.stdout).toMatch(/rollout: host .*: done; every instance runs the new build/);
    expect(failuresOf(summary)).toEqual([]);
    expect(summary.ok).toBeGreaterThan(50);

    const after = await fleet!.list();
    // The canaries ran outside PM2: the fleet has exactly its own instances.
    expect(after.map((i) => i.pm_id).sort()).toEqual([...before.keys()].sort());
    for (const instance of after) {
      const old = before.get(instance.pm_id)!;
      expect(instance.pm2_env.status).toBe('online');
      expect(instance.pid).not.toBe(old.pid);
      expect(instance.pm2_env.restart_time).toBe(old.pm2_env.restart_time + 1);
    }
  }, 150_000);

  it('(b) with no change to the build or the environment, exits 0 and touches nothing: no canary, no reload', async () => {
    const before = byPmId(await fleet!.list());

    const result = await fleet!.rollout([], ROLLOUT_ENV);

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 0, output: expect.any(String) });
    for (const service of ['gateway', 'catalog', 'pricing']) {
      expect(result.stdout).toContain(`  ${service}: unchanged: every instance runs this build; not rolled`);
    }
    expect(result.stdout).toMatch(
      /rollout: host .*: nothing changed: every instance already runs this build; nothing was touched/,
    );
    expect(canariesIn(result.stdout)).toEqual([]);
    expect(result.stdout).not.toMatch(/reloading/);
    const after = await fleet!.list();
    expect(after).toHaveLength(before.size);
    for (const instance of after) {
      expect(instance.pid).toBe(before.get(instance.pm_id)!.pid);
      expect(instance.pm2_env.restart_time).toBe(before.get(instance.pm_id)!.pm2_env.restart_time);
    }
  }, 30_000);

  /**
   * Runs the rollout against a bad build and checks the refusal: exit 3, the message, and the old
   * fleet serving throughout with the same pids and restart counts.
   */
  async function expectRefused(
    args: readonly string[],
    extraEnv: Readonly<Record<string, string>>,
    message: RegExp,
  ): Promise<CommandResult> {
    const before = byPmId(await fleet!.list());
    const traffic = gatewayLoad();

    const result = await fleet!.rollout(args, { ...ROLLOUT_ENV, ...extraEnv });
    // Let traffic run on a little after the canaries are gone.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const summary = await traffic.stop();

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 3, output: expect.any(String) });
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/the running fleet was not touched/);
    expect(result.stdout).not.toMatch(/reloading/);
    expect(failuresOf(summary)).toEqual([]);
    expect(summary.ok).toBeGreaterThan(20);

    const after = await fleet!.list();
    expect(after).toHaveLength(before.size);
    for (const instance of after) {
      const old = before.get(instance.pm_id)!;
      expect(instance.pm2_env.status).toBe('online');
      expect(instance.pid).toBe(old.pid);
      expect(instance.pm2_env.restart_time).toBe(old.pm2_env.restart_time);
    }
    return result;
  }

  it('(c) refuses a build that crashes at start, canarying only the service that changed', async () => {
    await copy!.replaceFile(CATALOG_MAIN, "throw new Error('simulated broken build');\n");
    const result = await expectRefused(
      [],
      {},
      /REFUSED: the catalog canary exited with code 1 before it was ready \(it crashes at start\)/,
    );
    // The canary's own output says why.
    expect(result.stderr).toMatch(/\| Error: simulated broken build/);
    expect(result.stdout).toMatch(
      / {2}catalog: CHANGED: new code, dependencies or start-up data \(pm_id \d+, \d+\)/,
    );
    expect(canariesIn(result.stdout)).toEqual(['catalog']);
  }, 90_000);

  it('(d) refuses a build that hangs before it is ready', async () => {
    await copy!.replaceFile(CATALOG_MAIN, 'setInterval(() => undefined, 60_000);\n');
    await expectRefused(
      [],
      { ROLLOUT_CANARY_TIMEOUT_S: '8' },
      /REFUSED: the catalog canary did not answer \/readyz 200 within 8 s \(it hangs; last: connect ECONNREFUSED/,
    );
  }, 90_000);

  it('(e) refuses a build whose flags never initialise (degraded starts not allowed)', async () => {
    double!.faults.stream = 401;
    const result = await expectRefused(
      ['--all'],
      {},
      /REFUSED: the catalog canary LaunchDarkly flags not initialised \(.+\); degraded starts are not allowed/,
    );
    expect(result.stderr).toMatch(/REFUSED: the gateway canary/);
    expect(result.stderr).toMatch(/REFUSED: the pricing canary/);
  }, 90_000);

  it('(f) with ROLLOUT_ALLOW_DEGRADED=1, rolls on while LaunchDarkly refuses, and says so', async () => {
    double!.faults.stream = 401;
    const before = byPmId(await fleet!.list());
    const traffic = gatewayLoad();

    const result = await fleet!.rollout([], {
      ...ROLLOUT_ENV,
      ROLLOUT_ALL: '1',
      ROLLOUT_ALLOW_DEGRADED: '1',
    });
    const summary = await traffic.stop();

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 0, output: expect.any(String) });
    expect(result.stdout).toMatch(
      /canary catalog: ok: ready but DEGRADED \(allowed\): LaunchDarkly flags not/,
    );
    expect(result.stdout).toMatch(/\[1\/6\] catalog pm_id \d+: ok .*DEGRADED \(allowed\)/);
    expect(failuresOf(summary)).toEqual([]);
    for (const instance of await fleet!.list()) {
      expect(instance.pid).not.toBe(before.get(instance.pm_id)!.pid);
    }
  }, 150_000);

  it("(g) after a change to one service's compiled code, canaries and reloads only that service, with zero failed requests", async () => {
    const original = await readFile(path.join(copy!.root, PRICING_APP), 'utf8');
    await copy!.deployFile(PRICING_APP, `${original}\n// a new build of pricing only\n`);
    const before = byPmId(await fleet!.list());
    const pricingIds = [...before.values()].filter((i) => i.name === 'pricing').map((i) => i.pm_id);
    const traffic = gatewayLoad();

    const result = await fleet!.rollout([], ROLLOUT_ENV);
    const summary = await traffic.stop();

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 0, output: expect.any(String) });
    expect(result.stdout).toContain(
      `  pricing: CHANGED: new code, dependencies or start-up data (pm_id ${pricingIds.sort((a, b) => a - b).join(', ')})`,
    );
    expect(canariesIn(result.stdout)).toEqual(['pricing']);
    expect(result.stdout).toMatch(/\[1\/2\] pricing pm_id \d+: ok/);
    expect(result.stdout).toMatch(/\[2\/2\] pricing pm_id \d+: ok/);
    expect(result.stdout).toMatch(
      /rollout: host .*: done; every instance of pricing runs the new build; gateway, catalog unchanged, not touched/,
    );
    expect(result.stdout).toMatch(
      / {2}catalog +pm_id \d+ .*UNCHANGED: already runs this build \(not reloaded\)/,
    );
    expect(failuresOf(summary)).toEqual([]);
    expect(summary.ok).toBeGreaterThan(20);

    for (const instance of await fleet!.list()) {
      const old = before.get(instance.pm_id)!;
      expect(instance.pm2_env.status).toBe('online');
      if (instance.name === 'pricing') {
        expect(instance.pid).not.toBe(old.pid);
        expect(instance.pm2_env.restart_time).toBe(old.pm2_env.restart_time + 1);
      } else {
        expect(instance.pid).toBe(old.pid);
        expect(instance.pm2_env.restart_time).toBe(old.pm2_env.restart_time);
      }
    }
  }, 90_000);

  it('(h) stops at the first bad step, with a report of which pm_ids run which build, when a build fails only under PM2', async () => {
    // Passes as a canary, crashes as a PM2 worker: what only the step checks can catch.
    const original = await readFile(path.join(copy!.root, CATALOG_MAIN), 'utf8');
    await copy!.replaceFile(
      CATALOG_MAIN,
      `if (process.env.NODE_APP_INSTANCE !== 'canary') throw new Error('breaks under PM2 only');\n${original}`,
    );
    const before = byPmId(await fleet!.list());
    const catalogIds = [...before.values()].filter((i) => i.name === 'catalog').map((i) => i.pm_id);
    const first = Math.min(...catalogIds);

    const result = await fleet!.rollout([], ROLLOUT_ENV);

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 4, output: expect.any(String) });
    expect(result.stdout).toMatch(/canary catalog: ok/);
    expect(result.stderr).toMatch(new RegExp(`STOPPED at pm_id ${first}: `));
    expect(result.stderr).toMatch(new RegExp(`catalog +pm_id ${first} .*NEW build, FAILED its check`));
    // The other catalog instance was not reached; gateway and pricing did not change.
    for (const other of before.values()) {
      if (other.pm_id === first) continue;
      const build =
        other.name === 'catalog' ? 'OLD build \\(not reloaded\\)' : 'UNCHANGED: already runs this build';
      expect(result.stderr).toMatch(new RegExp(`pm_id ${other.pm_id} +pid ${other.pid} .*${build}`));
    }
    // Only the failed step was touched.
    const after = byPmId(await fleet!.list());
    expect(after.get(first)!.pid).not.toBe(before.get(first)!.pid);
    for (const id of before.keys()) if (id !== first) expect(after.get(id)!.pid).toBe(before.get(id)!.pid);
  }, 120_000);
});
