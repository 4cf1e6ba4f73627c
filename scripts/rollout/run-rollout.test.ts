import path from 'node:path';

import { fleet as fleetList } from '../../services/fleet';
import { serviceBuildInputs } from '../../shared/runtime';
import { computeBuildFingerprint, fingerprintInputs } from '../../shared/build';
import type { InstanceStatus } from '../../shared/ops';
import { makeBuildTree, type BuildTree } from '../../test/support/build-tree';
import { fleetInstance } from '../../test/support/fleet-instances';
import { EXIT } from './exit-codes';
import type { FleetInstance } from './fleet-instance';
import type { Pm2Control } from './pm2-control';
import { parseRolloutOptions } from './rollout-options';
import { runRollout } from './run-rollout';

/**
 * The rollout's choice of services against a fake PM2 whose instances run from a throw-away build and
 * report the fingerprint they computed at start-up. The real PM2 is in test/e2e/guarded-rollout.
 */
describe('runRollout chooses the services whose build changed', () => {
  let tree: BuildTree;
  let fleet: FleetInstance[];
  let reloaded: number[];
  let output: string[];
  const workerEnv = { NODE_ENV: 'development' };

  beforeEach(async () => {
    tree = await makeBuildTree();
    fleet = (['gateway', 'catalog', 'pricing', 'gateway', 'catalog', 'pricing'] as const).map(
      (service, pmId) =>
        fleetInstance({ service, pmId, script: tree.script(service), cwd: tree.root, workerEnv }),
    );
    reloaded = [];
    output = [];
  });

  afterEach(async () => {
    await tree.remove();
  });

  /** A PM2 whose instances started from the tree as it is now, and that records every reload. */
  async function fakePm2(): Promise<Pm2Control> {
    const statuses = new Map<number, InstanceStatus>();
    for (const instance of fleet) {
      const build = await computeBuildFingerprint(
        fingerprintInputs({
          service: serviceBuildInputs(
            fleetList.find((service) => service.name === instance.service)!,
            fleetList,
          ),
          env: workerEnv,
          cwd: tree.root,
          buildRoot: path.join(tree.root, 'dist'),
        }),
      );
      statuses.set(instance.pmId, {
        service: instance.service,
        instance: instance.instanceVar,
        pid: instance.pid,
        phase: 'serving',
        flags: null,
        build,
      });
    }
    return {
      home: '/tmp/pm2-home',
      list: async () => fleet,
      statuses: async () => statuses,
      start: async () => {
        throw new Error('no service is new to the fleet list here');
      },
      reload: async (pmId) => {
        reloaded.push(pmId);
      },
      disconnect: () => undefined,
    };
  }

  function rollout(control: Pm2Control, argv: string[] = []): Promise<number> {
    const io = { say: (line: string) => output.push(line), complain: (line: string) => output.push(line) };
    const definition = { services: fleetList, apps: () => [] };
    return runRollout(
      control,
      definition,
      parseRolloutOptions(argv, {}),
      {},
      io,
      new AbortController().signal,
    );
  }

  it('exits 0 touching nothing, no canary and no reload, when nothing changed', async () => {
    const code = await rollout(await fakePm2());

    expect(code).toBe(EXIT.rolledOut);
    expect(reloaded).toEqual([]);
    expect(output.join('\n')).not.toMatch(/canary/);
    expect(output).toContain('  catalog: unchanged: every instance runs this build; not rolled');
    expect(output.at(-1)).toMatch(
      /^rollout: host .*: nothing changed: every instance already runs this build/,
    );
  });

  it("canaries only the service whose compiled code changed (this test's canary exits at once: refused)", async () => {
    const control = await fakePm2();
    await tree.write('dist/services/pricing/app.js', "exports.app = 'pricing v2';");

    const code = await rollout(control);

    expect(code).toBe(EXIT.canaryRefused);
    expect(output).toContain('  pricing: CHANGED: new code, dependencies or start-up data (pm_id 2, 5)');
    expect(output.filter((line) => /canary \w+:/.test(line))).toEqual([
      expect.stringMatching(/^ {2}canary pricing: REFUSED: exited with code 0 before it was ready/),
    ]);
    expect(reloaded).toEqual([]);
  });
});
