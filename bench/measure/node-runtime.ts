import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { LoadRequest } from '../../test/support/load-client';

/** A Node.js binary with the options a measurement runs it with. */
export interface NodeRuntime {
  /** `v24.21.0`, as the binary itself says. */
  readonly version: string;
  readonly execPath: string;
  readonly execArgv: readonly string[];
}

export function nodeRuntime(execPath: string, execArgv: readonly string[]): NodeRuntime {
  const version = execFileSync(execPath, ['--version'], { encoding: 'utf8' }).trim();
  return { version, execPath, execArgv };
}

/**
 * The options PM2 gives every instance (`node_args` in ecosystem.config.js), so the flag layer is
 * measured with the V8 settings the fleet runs with.
 */
export function fleetNodeArgs(projectRoot: string): string[] {
  const ecosystem = createRequire(__filename)(path.join(projectRoot, 'ecosystem.config.js')) as {
    apps: Array<{ name: string; node_args?: string[] }>;
  };
  return ecosystem.apps.find((app) => app.name === 'catalog')?.node_args ?? [];
}

/** The same request stream for every measurement of the flag layer: a hundred pro users asking for ten products. */
export const catalogRequest = (index: number): LoadRequest => ({
  path: '/products?limit=10',
  headers: { 'X-User-Key': `bench-user-${index % 100}`, 'X-User-Plan': 'pro' },
});
