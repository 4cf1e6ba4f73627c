import { execFileSync } from 'node:child_process';
import os from 'node:os';

import type { FleetInstance } from './fleet-instance';

/** The commit checked out in `cwd`, when it is a git checkout (as `pm2 deploy` makes); else undefined. */
function gitCommit(cwd: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Which host this rollout runs on and what it rolls, for a report that covers several hosts rolled
 * one after the other (`pm2 deploy`): `host web-1 (BIND_ADDRESS 10.0.0.11), checkout 1a2b3c4`.
 */
export function hostIdentity(fleet: readonly FleetInstance[]): string {
  const bindAddress = fleet[0]?.workerEnv.BIND_ADDRESS?.trim();
  const commit = fleet[0] ? gitCommit(fleet[0].cwd) : undefined;
  return [
    `host ${os.hostname()}${bindAddress ? ` (BIND_ADDRESS ${bindAddress})` : ''}`,
    ...(commit ? [`checkout ${commit}`] : []),
  ].join(', ');
}
