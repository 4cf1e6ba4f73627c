import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { findProjectRoot } from '../../shared/config';
import type { FleetStatus, InstanceReport } from '../../shared/ops';
import { createFleet, startFleet, type Fleet } from '../support/pm2-fleet';
import { waitFor } from '../support/wait-for';

const run = promisify(execFile);
const projectRoot = findProjectRoot(__dirname);
const pm2Bin = path.join(projectRoot, 'node_modules', 'pm2', 'bin', 'pm2');
/** The Node.js the project installs from the npm registry (optionalDependencies), where there is one. */
const projectNode = path.join(projectRoot, 'node_modules', '.bin', 'node');
const SERVICES = ['gateway', 'catalog', 'pricing'] as const;

/**
 * A real end-of-life Node.js: .ci/node-lines installs Node 20.20.2 from the registry (CI always does,
 * before the tests). Without it (a checkout that skipped that install), the project's Node.js with a
 * preload that makes it report v20.20.2, which checks the message but not that Node 20 gets that far.
 */
const realNode20 = path.join(projectRoot, '.ci', 'node-lines', 'node_modules', 'node-20', 'bin', 'node');
const AS_NODE_20 =
  'data:text/javascript,' +
  encodeURIComponent(
    "Object.defineProperty(process, 'version', { value: 'v20.20.2', enumerable: true, configurable: true });",
  );
function node20(): { execPath: string; args: string[] } {
  if (existsSync(realNode20)) return { execPath: realNode20, args: [] };
  if (process.env.CI)
    throw new Error(`CI installs Node 20 for this test (.ci/run): ${realNode20} is missing`);
  return { execPath: process.execPath, args: ['--import', AS_NODE_20] };
}

/**
 * Every instance's own report of itself, asked through PM2 (`npm run status -- --json`); asked again
 * while one did not answer in time (a loaded machine), until all have.
 */
async function reportsOf(fleet: Fleet): Promise<InstanceReport[]> {
  let last = '';
  return waitFor(
    'every instance to answer npm run status',
    async () => {
      const { code, stdout, stderr } = await fleet.status('--json');
      last = `exit ${String(code)}: ${stderr}${stdout}`.slice(-2_000);
      return code === 0 ? (JSON.parse(stdout) as FleetStatus).instances : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\nlast answer: ${last}`);
  });
}

async function readyzNode(fleet: Fleet, service: (typeof SERVICES)[number]): Promise<unknown> {
  const response = await fetch(fleet.url(service, '/readyz'));
  expect(response.status).toBe(200);
  return ((await response.json()) as { node?: unknown }).node;
}

/** The `npm` a user's shell would run: the first on PATH, outside any project's node_modules/.bin. */
function shellPath(): string[] {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir && !/node_modules[\\/]\.bin$/.test(dir) && !dir.includes('node-gyp-bin'));
}

describe('the fleet runs on the Node.js the project brings (node_modules/.bin/node), whatever Node the shell has', () => {
  const pinned = existsSync(projectNode)
    ? execFileSync(projectNode, ['--version'], { encoding: 'utf8' }).trim()
    : null;
  let fleet: Fleet | undefined;
  let shimDir: string | undefined;

  afterAll(async () => {
    await fleet?.destroy();
    if (shimDir) await rm(shimDir, { recursive: true, force: true });
  }, 30_000);

  (pinned ? it : it.skip)(
    "`npm run fleet:start` from a shell whose `node` is another one: npm scripts, the PM2 daemon and every worker run on the project's Node; /readyz and the status reply say which",
    async () => {
      // The shell's `node`: logs every use and runs the Node running this test. Only npm itself may use it.
      shimDir = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-shell-node-'));
      const uses = path.join(shimDir, 'uses.log');
      await writeFile(
        path.join(shimDir, 'node'),
        `#!/bin/sh\nprintf '%s\\n' "$*" >> '${uses}'\nexec '${process.execPath}' "$@"\n`,
      );
      await chmod(path.join(shimDir, 'node'), 0o755);
      const userPath = [shimDir, ...shellPath()].join(path.delimiter);
      const npmOnPath = shellPath()
        .map((dir) => path.join(dir, 'npm'))
        .find((candidate) => existsSync(candidate));
      if (!npmOnPath) throw new Error('no npm on PATH');

      fleet = await createFleet({ instances: 2, launchDaemon: false });
      const env = { ...fleet.env, PATH: userPath };
      const npm = (...args: string[]) =>
        run(realpathSync(npmOnPath), args, { cwd: projectRoot, env, maxBuffer: 16 << 20 });
      await npm('run', 'fleet:start');

      const reports = await reportsOf(fleet);
      expect(reports).toHaveLength(SERVICES.length * 2);
      for (const report of reports) expect(report.status?.node).toBe(pinned);
      for (const service of SERVICES) expect(await readyzNode(fleet, service)).toBe(pinned);
      // The shell's node ran npm (its CLI) and nothing else: no script, no PM2, no worker.
      const used = (await readFile(uses, 'utf8')).trim().split('\n');
      expect(used.length).toBeGreaterThan(0);
      for (const line of used) expect(line).toMatch(/npm(-cli\.js)?\b/);
      // PM2's own daemon too: its pid's executable is the project's Node.
      const daemonPid = Number((await readFile(path.join(fleet.home, 'pm2.pid'), 'utf8')).trim());
      expect(realpathSync(`/proc/${daemonPid}/exe`)).toBe(realpathSync(projectNode));
    },
    180_000,
  );
});

describe('a fleet that PM2 starts runs on the Node.js of the PM2 that started it', () => {
  let fleet: Fleet | undefined;

  beforeAll(async () => {
    fleet = await startFleet({ instances: 1 });
  }, 60_000);

  afterAll(async () => {
    await fleet?.destroy();
  }, 30_000);

  it('every worker reports the Node.js running these tests (the line CI is testing) in its status reply and /readyz', async () => {
    const reports = await reportsOf(fleet!);
    expect(reports).toHaveLength(SERVICES.length);
    for (const report of reports) expect(report.status?.node).toBe(process.version);
    for (const service of SERVICES) expect(await readyzNode(fleet!, service)).toBe(process.version);
  });
});

describe('an end-of-life Node.js is refused before anything starts', () => {
  it('`pm2 start ecosystem.config.js` read on Node 20: exits 1 saying why and what to do, and starts no app', async () => {
    const fleet = await createFleet({ instances: 1 });
    try {
      const { execPath, args } = node20();
      const refused = await run(execPath, [...args, pm2Bin, 'start', 'ecosystem.config.js'], {
        cwd: projectRoot,
        env: fleet.env,
      }).then(
        () => null,
        (error: { code?: number; stderr?: string }) => error,
      );

      expect(refused?.code).toBe(1);
      expect(refused?.stderr).toContain('Node.js v20.20.2 is end-of-life since 2026-04-30');
      expect(refused?.stderr).toContain('Node.js 22 or later (24 LTS recommended)');
      expect(await fleet.list()).toEqual([]);
    } finally {
      await fleet.destroy();
    }
  }, 60_000);

  it('a service started on Node 20 exits 1 before it binds its port, saying why on stderr', async () => {
    const { execPath, args } = node20();
    const started = await run(
      execPath,
      [...args, path.join(projectRoot, 'dist', 'services', 'catalog', 'main.js')],
      {
        cwd: projectRoot,
        env: { PATH: process.env.PATH, CATALOG_PORT: '1', CATALOG_METRICS_PORT: '2' },
        timeout: 20_000,
      },
    ).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );

    expect(started?.code).toBe(1);
    expect(started?.stderr).toMatch(
      /^catalog: cannot start: Node\.js v20\.20\.2 is end-of-life since 2026-04-30/,
    );
  }, 30_000);
});
