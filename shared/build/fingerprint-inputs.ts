import path from 'node:path';

import { findProjectRoot, type Env } from '../config';

/** A file hashed under a fixed label rather than its path, so moving it alone changes nothing. */
export interface LabelledFile {
  readonly label: string;
  readonly file: string;
}

/** A file an instance reads once at start-up, found through a variable. */
export interface StartupFileSetting {
  /** `data:products`: what the fingerprint calls it. */
  readonly label: string;
  readonly variable: string;
  /** Relative to the project root; without one, the file counts only while the variable is set. */
  readonly defaultPath?: string;
}

/** What counts for one service's build, apart from its code: the variables and files it reads. */
export interface ServiceBuildInputs {
  readonly service: string;
  /** Every variable it reads (NODE_APP_INSTANCE, each instance's own number, never counts). */
  readonly variables: readonly string[];
  readonly startupFiles: readonly StartupFileSetting[];
}

/** Everything that decides how a freshly started instance of a service behaves, apart from its flags. */
export interface FingerprintInputs {
  /** The compiled tree: `dist/` (the repository itself under ts-jest). */
  readonly buildRoot: string;
  /** Folders under `buildRoot` whose every file counts, by relative path and content. */
  readonly codeFolders: readonly string[];
  /** Dependencies, and the data files an instance reads once at start-up. */
  readonly files: readonly LabelledFile[];
  /** The variables that count, trimmed; unset and empty ones are left out, as the configuration does. */
  readonly environment: Readonly<Record<string, string>>;
}

/** The code every service runs besides its own folder: the shared kit and the domain code. */
export const LIBRARY_FOLDERS: readonly string[] = Object.freeze(['domain', 'shared']);

/**
 * The variables that count for a service: those it reads, and NODE_ENV (libraries read it), except
 * NODE_APP_INSTANCE (each instance's own number). PATH, TZ and the like do not count.
 */
export function fingerprintVariables(variables: readonly string[]): string[] {
  return [...new Set([...variables, 'NODE_ENV'])].filter((name) => name !== 'NODE_APP_INSTANCE').sort();
}

/** The build a PM2 instance loads on its next start: its script is `<build root>/services/<name>/main.js`. */
export function buildRootOfScript(script: string): string {
  return path.resolve(path.dirname(script), '..', '..');
}

function setValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * What to fingerprint for a service started with `env` in `cwd` from the build at `buildRoot`. The
 * instance calls it on itself at start-up and the rollout on the new build, so both hash the same things.
 * Data files resolve as the configuration resolves them (relative to the working directory).
 */
export function fingerprintInputs(options: {
  readonly service: ServiceBuildInputs;
  readonly env: Env;
  readonly cwd: string;
  readonly buildRoot: string;
}): FingerprintInputs {
  const { service, env, cwd, buildRoot } = options;
  const projectRoot = findProjectRoot(buildRoot);
  const files: LabelledFile[] = [
    { label: 'dependencies:package-lock.json', file: path.join(projectRoot, 'package-lock.json') },
  ];
  for (const setting of service.startupFiles) {
    const set = setValue(env, setting.variable);
    if (set !== undefined) files.push({ label: setting.label, file: path.resolve(cwd, set) });
    else if (setting.defaultPath !== undefined) {
      files.push({ label: setting.label, file: path.join(projectRoot, setting.defaultPath) });
    }
  }

  const environment: Record<string, string> = {};
  for (const name of fingerprintVariables(service.variables)) {
    const value = setValue(env, name);
    if (value !== undefined) environment[name] = value;
  }
  return {
    buildRoot,
    codeFolders: [`services/${service.service}`, ...LIBRARY_FOLDERS],
    files,
    environment,
  };
}
