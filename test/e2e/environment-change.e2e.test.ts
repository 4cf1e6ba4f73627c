import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { fleet as fleetList } from '../../services/fleet';

const SERVICE_NAMES = fleetList.map((service) => service.name) as Array<'gateway' | 'catalog' | 'pricing'>;
import { useFleetWithDouble } from '../support/fleet-fixture';
import { DOUBLE_SDK_KEY } from '../support/fleet-flags';
import { freshAccessLines } from '../support/fleet-logs';
import { startGatewayTraffic } from '../support/gateway-traffic';
import type { LoadRun, LoadSummary } from '../support/load-client';
import type { CommandResult, Fleet, Pm2Instance } from '../support/pm2-fleet';

/**
 * Changing a variable of a running fleet as docs/rollout.md "Change the fleet's environment" says: the guarded
 * rollout with the variables that change, or `pm2 reload ecosystem.config.js` with them. On PM2 7.0.4
 * a reload from the ecosystem file drops the shell's variables, `--update-env` or not, unless the
 * file's `env` blocks carry them. One fleet, started with `LAUNCHDARKLY_SDK_KEY` against the double
 * and default logging; the tests run in order, each building on the one before.
 */

const INSTANCES_PER_SERVICE = 2;
const ROLLOUT_ENV = { ROLLOUT_SETTLE_S: '1' };

function failuresOf(summary: LoadSummary<unknown>): string[] {
  return Object.entries(summary.failures).map(([kind, count]) => `${count} × ${kind}`);
}

function explain(result: CommandResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** The line as a JSON object, or as it is when it is not JSON (so a failed match shows it). */
function jsonOrText(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}

/** `catalog#1` → its current pid, as PM2 lists it. */
async function pidsByLabel(fleet: Fleet): Promise<Map<string, number>> {
  const list: Pm2Instance[] = await fleet.list();
  return new Map(list.map((i) => [`${i.name}#${String(i.pm2_env.NODE_APP_INSTANCE)}`, i.pid]));
}

/** Each instance's fresh access line, by label, across every service. */
async function accessLinesOfEveryInstance(fleet: Fleet): Promise<Map<string, string>> {
  const lines = new Map<string, string>();
  for (const service of SERVICE_NAMES) {
    for (const [label, line] of await freshAccessLines(fleet, service, INSTANCES_PER_SERVICE)) {
      lines.set(label, line);
    }
  }
  return lines;
}

describe('changing the environment of a running fleet', () => {
  const fixture = useFleetWithDouble({ instances: INSTANCES_PER_SERVICE, untilEveryInstanceHasFlags: true });
  let keyDir: string | undefined;
  let keyFile = '';
  let load: LoadRun<unknown> | undefined;

  beforeAll(async () => {
    keyDir = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-key-'));
    keyFile = path.join(keyDir, 'launchdarkly-sdk-key');
    await writeFile(keyFile, `${DOUBLE_SDK_KEY}\n`, { mode: 0o600 });
  });

  afterEach(async () => {
    await load?.stop();
    load = undefined;
  }, 30_000);

  afterAll(async () => {
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  /** Keep-alive traffic through the gateway (and so to catalog and pricing) while the fleet reloads. */
  function gatewayLoad(): LoadRun<unknown> {
    load = startGatewayTraffic(fixture.fleet.url('gateway', ''));
    return load;
  }

  it('(a) `npm run rollout` with LOG_LEVEL=http and the SDK key moved to a key file reaches every instance under load: each new worker logs at http level and has its flags, and PM2 no longer holds the key', async () => {
    const { fleet } = fixture;
    expect(await fleet.pm2('jlist')).toContain(DOUBLE_SDK_KEY);
    const traffic = gatewayLoad();

    const result = await fleet.rollout([], {
      ...ROLLOUT_ENV,
      LOG_LEVEL: 'http',
      LAUNCHDARKLY_SDK_KEY: '',
      LAUNCHDARKLY_SDK_KEY_FILE: keyFile,
    });
    const summary = await traffic.stop();

    expect({ code: result.code, output: explain(result) }).toEqual({ code: 0, output: expect.any(String) });
    for (const service of SERVICE_NAMES) {
      expect(result.stdout).toMatch(new RegExp(`^ {2}${service}: CHANGED: .*new environment`, 'm'));
    }
    expect(result.stdout).toMatch(/\[6\/6\] gateway pm_id \d+: ok/);
    expect(failuresOf(summary)).toEqual([]);
    expect(summary.ok).toBeGreaterThan(20);

    const pids = await pidsByLabel(fleet);
    const lines = await accessLinesOfEveryInstance(fleet);
    expect([...lines.keys()].sort()).toEqual([...pids.keys()].sort());
    for (const [label, line] of lines) {
      expect(line).toMatch(new RegExp(` http +${label} pid=${pids.get(label)} `));
    }
    // Healthy means every instance has its flags: the key came from the file, PM2 has none left.
    const status = await fleet.status();
    expect({ code: status.code, output: status.stdout + status.stderr }).toEqual({
      code: 0,
      output: expect.any(String),
    });
    expect(await fleet.pm2('jlist')).not.toContain(DOUBLE_SDK_KEY);
  }, 150_000);

  it('(b) `pm2 reload ecosystem.config.js` with LOG_FORMAT=json in its environment reaches every instance under load, and LOG_LEVEL, which it does not set, keeps its value', async () => {
    const { fleet } = fixture;
    const traffic = gatewayLoad();

    // The operator's environment after (a): the key in its file (the fixture's shell still has the key).
    await fleet.reload({ LOG_FORMAT: 'json', LAUNCHDARKLY_SDK_KEY: '', LAUNCHDARKLY_SDK_KEY_FILE: keyFile });
    const summary = await traffic.stop();

    expect(failuresOf(summary)).toEqual([]);
    expect(summary.ok).toBeGreaterThan(20);
    const pids = await pidsByLabel(fleet);
    const lines = await accessLinesOfEveryInstance(fleet);
    expect([...lines.keys()].sort()).toEqual([...pids.keys()].sort());
    for (const [label, line] of lines) {
      const [service, instance] = label.split('#');
      expect(jsonOrText(line)).toMatchObject({ level: 'http', service, instance, pid: pids.get(label) });
    }
    expect((await fleet.status()).code).toBe(0);
    expect(await fleet.pm2('jlist')).not.toContain(DOUBLE_SDK_KEY);
  }, 90_000);
});
