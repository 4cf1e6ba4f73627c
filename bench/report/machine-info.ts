import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { MachineInfo } from './bench-result';

/** The dependencies whose versions a result depends on. */
const MEASURED_PACKAGES = [
  '@launchdarkly/node-server-sdk',
  'pm2',
  'koa',
  '@koa/router',
  'winston',
  'prom-client',
] as const;

function installedVersion(projectRoot: string, name: string): string {
  const manifest = path.join(projectRoot, 'node_modules', name, 'package.json');
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export function machineInfo(projectRoot: string): MachineInfo {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    dependencies: Object.fromEntries(
      MEASURED_PACKAGES.map((name) => [name, installedVersion(projectRoot, name)]),
    ),
  };
}
