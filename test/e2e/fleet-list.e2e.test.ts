import { copyProject, type ProjectCopy } from '../support/project-copy';
import { createFleet, type CommandResult, type Fleet } from '../support/pm2-fleet';

/**
 * The fleet is whatever services/fleet.ts lists: a deployment whose list holds catalog alone starts,
 * reports and rolls catalog alone, and nothing in ecosystem.config.js, status or the rollout asks for
 * the services it left out.
 */

function explain(result: CommandResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** services/fleet.ts compiled, with catalog as the only service. */
const CATALOG_ALONE = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.fleet = void 0;
const service_1 = require("./catalog/service");
exports.fleet = [service_1.service];
`;

describe('a fleet list holding catalog alone', () => {
  let project: ProjectCopy | undefined;
  let fleet: Fleet | undefined;

  beforeAll(async () => {
    project = await copyProject();
    await project.deployFile('dist/services/fleet.js', CATALOG_ALONE);
    fleet = await createFleet({ instances: 2, projectRoot: project.root });
  }, 60_000);

  afterAll(async () => {
    try {
      await fleet?.destroy();
    } finally {
      await project?.remove();
    }
  }, 60_000);

  it('pm2 start ecosystem.config.js starts catalog and nothing else', async () => {
    await fleet!.start();
    const names = (await fleet!.list()).map((process) => process.name);
    expect(names).toEqual(['catalog', 'catalog']);
    const reply = await fetch(fleet!.url('catalog', '/products?limit=1'));
    expect(reply.status).toBe(200);
  }, 120_000);

  it('npm run status reports catalog healthy and exits 0', async () => {
    const status = await fleet!.status();
    expect({ code: status.code, output: status.stdout + status.stderr }).toEqual({
      code: 0,
      output: expect.any(String),
    });
    expect(status.stdout.split('\n').filter((line) => /^catalog +\d .* ok$/.test(line))).toHaveLength(2);
    expect(status.stdout).not.toMatch(/gateway|pricing/);
  }, 60_000);

  it('npm run rollout rolls catalog for a changed variable and exits 0', async () => {
    const result = await fleet!.rollout([], { ROLLOUT_SETTLE_S: '1', LOG_LEVEL: 'debug' });
    expect({ code: result.code, output: explain(result) }).toEqual({ code: 0, output: expect.any(String) });
    expect(result.stdout).toMatch(/^ {2}catalog: CHANGED: new environment/m);
    expect(result.stdout).toMatch(/\[2\/2\] catalog pm_id \d+: ok/);
    expect(result.stdout).not.toMatch(/gateway|pricing/);
  }, 180_000);
});
