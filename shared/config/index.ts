export { ConfigError } from './config-error';
export { configPart, readConfig, variablesOf, type ConfigPart, type ValueOf } from './config-part';
export {
  deepFreeze,
  httpUrl,
  integer,
  originUrl,
  portNumber,
  readableFileProblem,
  withoutEmptyValues,
  type Env,
} from './env-values';
export { findProjectRoot } from './project-root';
export { Secret } from './secret';
