export { computeBuildFingerprint, type BuildFingerprint } from './build-fingerprint';
export {
  FINGERPRINT_VARIABLES,
  buildRootOfScript,
  fingerprintInputs,
  type FingerprintInputs,
  type LabelledFile,
} from './fingerprint-inputs';
export { RUNNING_BUILD_ROOT, fingerprintRunningBuild } from './running-build';
