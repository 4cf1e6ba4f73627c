export { computeBuildFingerprint, type BuildFingerprint } from './build-fingerprint';
export {
  LIBRARY_FOLDERS,
  buildRootOfScript,
  fingerprintInputs,
  fingerprintVariables,
  type FingerprintInputs,
  type LabelledFile,
  type ServiceBuildInputs,
  type StartupFileSetting,
} from './fingerprint-inputs';
export { RUNNING_BUILD_ROOT, fingerprintRunningBuild } from './running-build';
