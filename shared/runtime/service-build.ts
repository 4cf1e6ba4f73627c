import type { ServiceBuildInputs } from '../build';
import type { AnyServiceManifest } from '../fleet';
import { serviceVariables } from './service-config';

/**
 * What counts for a service's build fingerprint besides its code: the variables the shared runtime and
 * its manifest read, and the files it reads at start-up (its manifest's, and the SDK key file when the
 * key comes from one). A variable only another service reads does not count: changing it rolls only that one.
 */
export function serviceBuildInputs(
  manifest: AnyServiceManifest,
  fleet: readonly AnyServiceManifest[],
): ServiceBuildInputs {
  return {
    service: manifest.name,
    variables: serviceVariables(manifest, fleet),
    startupFiles: [
      ...Object.entries(manifest.startupFiles ?? {}).map(([name, file]) => ({
        label: `data:${name}`,
        variable: file.variable,
        defaultPath: file.defaultPath,
      })),
      { label: 'data:launchdarkly-sdk-key-file', variable: 'LAUNCHDARKLY_SDK_KEY_FILE' },
    ],
  };
}
