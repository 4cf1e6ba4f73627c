import path from 'node:path';

import {
  CONFIG_VARIABLES,
  defaultProductsFile,
  findProjectRoot,
  readsProductData,
  type ServiceName,
} from '../config';

/** A file hashed under a fixed label rather than its path, so moving it alone changes nothing. */
export interface LabelledFile {
  readonly label: string;
  readonly file: string;
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

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The variables that count: every one the configuration reads, and NODE_ENV (libraries read it), except
 * NODE_APP_INSTANCE (each instance's own number) and FLEET_INSTANCES (PM2's instance count, which only
 * `ecosystem.config.js` applies). PATH, TZ and the like do not count.
 */
export const FINGERPRINT_VARIABLES: readonly string[] = Object.freeze(
  [...CONFIG_VARIABLES, 'NODE_ENV']
    .filter((name) => name !== 'NODE_APP_INSTANCE' && name !== 'FLEET_INSTANCES')
    .sort(),
);

/** The build a PM2 instance loads on its next start: its script is `<build root>/services/<name>/main.js`. */
export function buildRootOfScript(script: string): string {
  return path.resolve(path.dirname(script), '..', '..');
}

function setValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/**
 * What to fingerprint for `service` started with `env` in `cwd` from the build at `buildRoot`. The
 * instance calls it on itself at start-up and the rollout on the new build, so both hash the same things.
 * Data files resolve as the configuration resolves them (relative to the working directory).
 */
export function fingerprintInputs(options: {
  readonly service: ServiceName;
  readonly env: Env;
  readonly cwd: string;
  readonly buildRoot: string;
}): FingerprintInputs {
  const { service, env, cwd, buildRoot } = options;
  const projectRoot = findProjectRoot(buildRoot);
  const files: LabelledFile[] = [
    { label: 'dependencies:package-lock.json', file: path.join(projectRoot, 'package-lock.json') },
  ];
  if (readsProductData(service)) {
    const products = setValue(env, 'PRODUCTS_FILE');
    files.push({
      label: 'data:products',
      file: products ? path.resolve(cwd, products) : defaultProductsFile(projectRoot),
    });
  }
  const keyFile = setValue(env, 'LAUNCHDARKLY_SDK_KEY_FILE');
  if (keyFile) files.push({ label: 'data:launchdarkly-sdk-key-file', file: path.resolve(cwd, keyFile) });

  const environment: Record<string, string> = {};
  for (const name of FINGERPRINT_VARIABLES) {
    const value = setValue(env, name);
    if (value !== undefined) environment[name] = value;
  }
  return { buildRoot, codeFolders: [`services/${service}`, 'shared'], files, environment };
}
