import path from 'node:path';

import type { Env } from '../config';
import { computeBuildFingerprint, type BuildFingerprint } from './build-fingerprint';
import { fingerprintInputs, type ServiceBuildInputs } from './fingerprint-inputs';

/** The build this process was loaded from: `dist/`, two levels above this file's folder. */
export const RUNNING_BUILD_ROOT = path.resolve(__dirname, '..', '..');

/** The fingerprint of the build this instance of `service` runs, started with `env` in the current directory. */
export function fingerprintRunningBuild(service: ServiceBuildInputs, env: Env): Promise<BuildFingerprint> {
  return computeBuildFingerprint(
    fingerprintInputs({ service, env, cwd: process.cwd(), buildRoot: RUNNING_BUILD_ROOT }),
  );
}
