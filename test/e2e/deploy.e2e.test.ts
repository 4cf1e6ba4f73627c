import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { findProjectRoot } from '../../shared/config';
import { HOST_ADDRESSES, portsFreeOnEvery } from '../support/fleet-hosts';
import { freePort } from '../support/free-port';
import { runNode } from '../support/pm2-fleet';
import { createSshHosts, type SshHosts } from '../support/ssh-hosts';

const run = promisify(execFile);
const projectRoot = findProjectRoot(__dirname);
const pm2Bin = path.join(projectRoot, 'node_modules', 'pm2', 'bin', 'pm2');

/** The operator's checkout: the project's files as they are in the working tree, committed anew. */
async function operatorRepository(folder: string): Promise<{ work: string; origin: string }> {
  const work = path.join(folder, 'operator');
  const origin = path.join(folder, 'origin.git');
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: projectRoot,
    maxBuffer: 16 << 20,
  });
  for (const file of stdout.split('\0').filter(Boolean)) {
    await mkdir(path.dirname(path.join(work, file)), { recursive: true });
    await cp(path.join(projectRoot, file), path.join(work, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the working tree, not yet committed
    });
  }
  const git = (...args: string[]) => run('git', args, { cwd: work });
  await git('init', '-q', '-b', 'main');
  await git('-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qam', 'initial').catch(
    async () => {
      await git('add', '-A');
      await git('-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qm', 'initial');
    },
  );
  await run('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  await git('remote', 'add', 'origin', origin);
  await git('push', '-q', '-u', 'origin', 'main');
  // The host users clone it.
  await run('chmod', ['-R', 'a+rX', folder]);
  return { work, origin };
}

async function commitAndPush(work: string, file: string, content: string, message: string): Promise<string> {
  await writeFile(path.join(work, file), content);
  const git = (...args: string[]) => run('git', args, { cwd: work });
  await git('-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qam', message);
  await git('push', '-q', 'origin', 'main');
  await run('chmod', ['-R', 'a+rX', path.dirname(work)]);
  return (await git('rev-parse', '--short', 'HEAD')).stdout.trim();
}

describe('npm run deploy: pm2 deploy rolls each host in turn through the guarded rollout, over real ssh and git', () => {
  let folder: string;
  let ssh: SshHosts | undefined;
  let work: string;
  let deployEnv: NodeJS.ProcessEnv = {};
  let firstCommit: string;

  const deploy = (...args: string[]) =>
    runNode([pm2Bin, 'deploy', 'deploy.config.js', 'production', ...args], deployEnv, work, 900_000);

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-deploy-'));
    await chmod(folder, 0o755);
    const addresses = HOST_ADDRESSES.slice(0, 2);
    const { ports, metricsPorts } = await portsFreeOnEvery(addresses, 1);
    ssh = await createSshHosts({
      addresses,
      port: await freePort(),
      environment: ({ address }) => ({
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        BIND_ADDRESS: address,
        FLEET_INSTANCES: '1',
        GATEWAY_PORT: String(ports.gateway),
        CATALOG_PORT: String(ports.catalog),
        PRICING_PORT: String(ports.pricing),
        GATEWAY_METRICS_PORT: String(metricsPorts.gateway),
        CATALOG_METRICS_PORT: String(metricsPorts.catalog),
        PRICING_METRICS_PORT: String(metricsPorts.pricing),
        // npm ci from a warm cache: the hosts install what this machine already downloaded.
        npm_config_prefer_offline: 'true',
        npm_config_update_notifier: 'false',
      }),
    });
    // Each host user starts with a copy of this machine's npm cache (none: npm downloads).
    const cache = path.join(os.homedir(), '.npm', '_cacache');
    for (const host of ssh.hosts) {
      // The repository stands for a remote one; here it is a folder another user owns, which git
      // reads only when its global configuration says so.
      await host.shell(`git config --global --add safe.directory '*'`);
      await cp(cache, path.join(host.home, '.npm', '_cacache'), { recursive: true }).catch(() => undefined);
      await run('chown', ['-R', `${host.user}:`, path.join(host.home, '.npm')]).catch(() => undefined);
    }
    ({ work } = await operatorRepository(folder));
    const origin = path.join(folder, 'origin.git');
    firstCommit = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: work })).stdout.trim();
    // pm2-deploy appends to /tmp/pm2-deploy-$USER.log on both sides; one file the host users may write.
    const deployLog = path.join(os.tmpdir(), `pm2-deploy-flagfleet-e2e-${path.basename(folder)}.log`);
    await writeFile(deployLog, '');
    await chmod(deployLog, 0o666);
    deployEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // PM2's CLI starts a daemon for every command, `pm2 deploy` too: this test's own, killed after.
      PM2_HOME: path.join(folder, 'operator-pm2'),
      USER: `flagfleet-e2e-${path.basename(folder)}`,
      DEPLOY_HOSTS: ssh.hosts.map((host) => host.target).join(' '),
      DEPLOY_REPO: origin,
      // Both hosts live on this one machine: each keeps its checkout under its own name.
      DEPLOY_PATH: path.join(folder, 'hosts', '$USER'),
      DEPLOY_SSH_OPTIONS: ssh.sshOptions.join(' '),
    };
    await mkdir(path.join(folder, 'hosts'), { recursive: true });
    await chmod(path.join(folder, 'hosts'), 0o1777);

    const setup = await deploy('setup');
    if (setup.code !== 0)
      throw new Error(`setup failed:\n${setup.stdout}\n${setup.stderr}\n${ssh.logs.join('')}`);
    const started = await deploy('exec', 'npm ci --no-audit --no-fund && npm run fleet:start');
    if (started.code !== 0) throw new Error(`first start failed:\n${started.stdout}\n${started.stderr}`);
  }, 1_200_000);

  afterAll(async () => {
    // Each host's PM2 daemon, stopped the way an operator would; destroy() kills what is left.
    for (const host of ssh?.hosts ?? []) {
      const current = path.join(folder, 'hosts', host.user, 'current');
      await host.shell(`cd ${current} && node node_modules/pm2/bin/pm2 kill`).catch(() => undefined);
    }
    await ssh?.destroy();
    if (deployEnv.PM2_HOME) await runNode([pm2Bin, 'kill'], deployEnv, projectRoot, 60_000);
    await rm(path.join(os.tmpdir(), `pm2-deploy-flagfleet-e2e-${path.basename(folder)}.log`), {
      force: true,
    });
    await rm(folder, { recursive: true, force: true });
  }, 120_000);

  const checkoutOf = async (index: number) =>
    (
      await ssh!.hosts[index]!.shell(
        `git -C ${path.join(folder, 'hosts', ssh!.hosts[index]!.user, 'source')} rev-parse --short HEAD`,
      )
    ).stdout.trim();

  it('a new build reaches host 1, then host 2, each through its own guarded rollout, and each says which build it runs', async () => {
    const catalogMain = path.join('services', 'catalog', 'main.ts');
    const original = await readFile(path.join(work, catalogMain), 'utf8');
    const commit = await commitAndPush(work, catalogMain, `${original}\n// release 2\n`, 'release 2');

    const result = await deploy();
    const output = result.stdout + result.stderr;
    expect({ code: result.code, tail: output.slice(-3000) }).toMatchObject({ code: 0 });
    const [one, two] = ssh!.hosts;
    const doneOne = output.search(
      new RegExp(
        `BIND_ADDRESS ${one!.address}\\), checkout ${commit}: done; every instance of catalog runs the new build`,
      ),
    );
    const doneTwo = output.search(
      new RegExp(
        `BIND_ADDRESS ${two!.address}\\), checkout ${commit}: done; every instance of catalog runs the new build`,
      ),
    );
    expect(doneOne).toBeGreaterThan(-1);
    expect(doneTwo).toBeGreaterThan(doneOne);
    expect(output.indexOf(`--> on host ${two!.target}`)).toBeGreaterThan(doneOne);
    expect([await checkoutOf(0), await checkoutOf(1)]).toEqual([commit, commit]);
  }, 1_200_000);

  it('a build whose canary is refused on host 1 stops the deploy there: host 2 is never touched', async () => {
    const before = [await checkoutOf(0), await checkoutOf(1)];
    const catalogMain = path.join('services', 'catalog', 'main.ts');
    const original = await readFile(path.join(work, catalogMain), 'utf8');
    const commit = await commitAndPush(
      work,
      catalogMain,
      `throw new Error('release 3 is broken');\n${original}`,
      'release 3 (broken)',
    );

    const result = await deploy();
    const output = result.stdout + result.stderr;
    const [one, two] = ssh!.hosts;
    expect(result.code).not.toBe(0);
    expect(output).toMatch(/canary catalog: REFUSED/);
    expect(output).toMatch(
      new RegExp(`BIND_ADDRESS ${one!.address}\\), checkout ${commit}: the running fleet was not touched`),
    );
    expect(output).not.toContain(`--> on host ${two!.target}`);
    // Host 1 has the broken checkout but still runs the build before it; host 2 has not even fetched it.
    expect(await checkoutOf(0)).toBe(commit);
    expect(await checkoutOf(1)).toBe(before[1]);
    expect(before[1]).not.toBe(firstCommit);
  }, 1_200_000);
});
