import { readFileSync } from 'node:fs';
import path from 'node:path';

import { fleet } from '../../services/fleet';
import { findProjectRoot } from '../../shared/config';
import { planScaffold, type ProjectState } from './scaffold-plan';

const root = findProjectRoot(__dirname);

/** The repository as it is: the demo fleet list (ports 3000-3002, metrics 9100, 9200, 9300). */
const project: ProjectState = {
  fleet,
  serviceFolders: ['gateway', 'catalog', 'pricing'],
  fleetFile: readFileSync(path.join(root, 'services', 'fleet.ts'), 'utf8'),
  flagsFile: readFileSync(path.join(root, 'data', 'flags.json'), 'utf8'),
  dockerfile: readFileSync(path.join(root, 'Dockerfile'), 'utf8'),
};

function refusal(name: string, port?: number): string {
  const plan = planScaffold(name, port, project);
  if (plan.ok) throw new Error(`expected "${name}" to be refused`);
  return plan.refusal;
}

describe('planScaffold', () => {
  it('plans the folder, the fleet list entry and the flag, on the next free port and metrics range', () => {
    const plan = planScaffold('order-history', undefined, project);
    if (!plan.ok) throw new Error(plan.refusal);
    expect(plan.service).toEqual({
      name: 'order-history',
      identifier: 'orderHistory',
      port: 3003,
      metricsPort: 9400,
      flagKey: 'order-history-greeting',
    });
    expect(Object.keys(plan.files).sort()).toEqual([
      'services/order-history/app.test.ts',
      'services/order-history/app.ts',
      'services/order-history/main.ts',
      'services/order-history/service.ts',
    ]);
    expect(plan.fleetFile).toContain("import { service as orderHistory } from './order-history/service';");
    expect(plan.fleetFile).toMatch(/= \[gateway, catalog, pricing, orderHistory\];/);
    expect(JSON.parse(plan.flagsFile).flags['order-history-greeting']).toMatchObject({ on: true });
    expect(plan.dockerfile).toMatch(/^EXPOSE 3000 3001 3002 3003$/m);
    expect(JSON.parse(plan.flagsFile).flags['catalog-sort']).toEqual(
      JSON.parse(project.flagsFile).flags['catalog-sort'],
    );
  });

  it('takes a free --port as given', () => {
    const plan = planScaffold('stock', 4100, project);
    expect(plan.ok && plan.service.port).toBe(4100);
  });

  it.each(['Inventory', 'order_history', 'stock-', '2fa', 'a'.repeat(33)])(
    'refuses "%s": not kebab-case',
    (name) => {
      expect(refusal(name)).toMatch(/must be (kebab-case|at most 32 characters)/);
    },
  );

  it.each(['fleet', 'shared', 'scripts', 'test', 'delete', 'new'])('refuses "%s": reserved', (name) => {
    expect(refusal(name)).toMatch(/reserved/);
  });

  it.each(['catalog', 'gateway'])('refuses "%s": taken by the fleet list', (name) => {
    expect(refusal(name)).toBe(`"${name}": there is already a service of that name in services/fleet.ts`);
  });

  it('refuses a name whose folder exists under services/ though it is not in the fleet list', () => {
    expect(
      planScaffold('legacy', undefined, {
        ...project,
        serviceFolders: [...project.serviceFolders, 'legacy'],
      }),
    ).toEqual({
      ok: false,
      refusal: '"legacy": services/legacy/ already exists',
    });
  });

  it("refuses a --port held by a service or inside a service's metrics range", () => {
    expect(refusal('stock', 3001)).toBe("--port 3001: taken by catalog's port; choose another");
    expect(refusal('stock', 9201)).toBe("--port 9201: taken by catalog's metrics ports; choose another");
  });

  it('refuses when the flag file already has the flag it would add', () => {
    const flags = JSON.stringify({ flags: { 'stock-greeting': {} } });
    expect(planScaffold('stock', undefined, { ...project, flagsFile: flags })).toEqual({
      ok: false,
      refusal: 'data/flags.json already has a flag stock-greeting',
    });
  });
});
