import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { acceptsConnections } from '../../shared/runtime';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/** One test host: a system user of its own, reached over ssh on its own loopback alias. */
export interface SshHost {
  readonly user: string;
  readonly address: string;
  readonly home: string;
  /** `user@address`, as DEPLOY_HOSTS takes it. */
  readonly target: string;
  /** Runs a shell command as the host's user in a login shell (`runuser -l`, not ssh: for checks and clean-up). */
  shell(command: string): Promise<{ stdout: string; stderr: string }>;
}

export interface SshHosts {
  readonly hosts: readonly SshHost[];
  readonly port: number;
  /** The ssh options a client needs to reach them: the test's key, its own known-hosts file, the port. */
  readonly sshOptions: readonly string[];
  /** Where each host's sshd logs. */
  readonly logs: string[];
  destroy(): Promise<void>;
}

export interface SshHostOptions {
  readonly addresses: readonly string[];
  readonly port: number;
  /** Each host's login environment (~/.ssh/environment): its fleet configuration. */
  readonly environment: (host: { user: string; address: string; home: string }) => Record<string, string>;
}

/**
 * Hosts for `pm2 deploy` on one machine: per host a fresh system user (its own home, so its own
 * deploy path and PM2 daemon) and Debian's sshd as a child process listening only on the host's
 * loopback alias, with a config, host key and client key the test generates. Needs root (useradd,
 * sshd). `destroy()` stops each sshd, kills the users' processes (their PM2 daemons) and removes them.
 */
export async function createSshHosts(options: SshHostOptions): Promise<SshHosts> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-ssh-'));
  await chmod(folder, 0o755);
  const clientKey = path.join(folder, 'client_key');
  const hostKey = path.join(folder, 'host_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  await mkdir('/run/sshd', { recursive: true }); // sshd's privilege separation directory
  const suffix = randomBytes(3).toString('hex');
  const hosts: SshHost[] = [];
  const daemons: ChildProcess[] = [];
  const logs: string[] = [];

  const destroy = async (): Promise<void> => {
    for (const daemon of daemons) if (daemon.exitCode === null) daemon.kill('SIGTERM');
    for (const host of hosts) {
      // The host's PM2 daemon and workers run as its user, and only they do.
      await run('pkill', ['-KILL', '-u', host.user]).catch(() => undefined);
      await waitFor(`${host.user}'s processes to end`, async () => {
        const alive = await run('pgrep', ['-u', host.user]).then(
          () => true,
          () => false,
        );
        return !alive;
      }).catch(() => undefined);
      // userdel refuses while a process of the user lingers (an ssh session closing): try again.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const removed = await run('userdel', ['--remove', host.user]).then(
          () => true,
          (error: { code?: number }) => error.code === 6, // 6: no such user
        );
        if (removed) break;
        await run('pkill', ['-KILL', '-u', host.user]).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await rm(folder, { recursive: true, force: true });
  };

  try {
    for (const [index, address] of options.addresses.entries()) {
      const user = `ffh${index + 1}${suffix}`;
      const home = path.join(folder, 'home', user);
      await mkdir(path.dirname(home), { recursive: true });
      // Password `*`: no password login, but not a locked account (sshd refuses those without PAM).
      await run('useradd', [
        '--system',
        '--create-home',
        '--home-dir',
        home,
        '--shell',
        '/bin/bash',
        '--password',
        '*',
        user,
      ]);
      const host: SshHost = {
        user,
        address,
        home,
        target: `${user}@${address}`,
        shell: (command) => run('runuser', ['-l', user, '-c', command], { cwd: home }),
      };
      hosts.push(host);
      const ssh = path.join(home, '.ssh');
      await mkdir(ssh, { recursive: true });
      await cp(`${clientKey}.pub`, path.join(ssh, 'authorized_keys'));
      const environment = options.environment({ user, address, home });
      await writeFile(
        path.join(ssh, 'environment'),
        Object.entries(environment)
          .map(([name, value]) => `${name}=${value}\n`)
          .join(''),
      );
      await run('chown', ['-R', `${user}:`, home]);
      await chmod(ssh, 0o700);

      const config = path.join(folder, `sshd_${index + 1}.conf`);
      await writeFile(
        config,
        [
          `ListenAddress ${address}:${options.port}`,
          `HostKey ${hostKey}`,
          `PidFile ${path.join(folder, `sshd_${index + 1}.pid`)}`,
          `AllowUsers ${user}`,
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          // The host's fleet configuration comes with the login (~/.ssh/environment).
          'PermitUserEnvironment yes',
          'StrictModes no',
          'LogLevel INFO',
          '',
        ].join('\n'),
      );
      const daemon = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      daemon.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
      daemons.push(daemon);
      await waitFor(`sshd on ${address}:${options.port}`, async () => {
        if (daemon.exitCode !== null) throw new Error(`sshd exited: ${logs.join('')}`);
        return acceptsConnections(address, options.port);
      });
    }
  } catch (error) {
    await destroy();
    throw error;
  }

  const knownHosts = path.join(folder, 'known_hosts');
  return {
    hosts,
    port: options.port,
    sshOptions: [
      `Port=${options.port}`,
      `IdentityFile=${clientKey}`,
      'IdentitiesOnly=yes',
      'StrictHostKeyChecking=accept-new',
      `UserKnownHostsFile=${knownHosts}`,
      'BatchMode=yes',
    ],
    logs,
    destroy,
  };
}
