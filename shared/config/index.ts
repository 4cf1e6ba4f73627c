export { ConfigError } from './config-error';
export { ecosystemEnv } from './ecosystem-env';
export { fleetTimings, type FleetTimings } from './fleet-timings';
export {
  CONFIG_VARIABLES,
  DEFAULT_FLAGS_FILE,
  DEFAULT_PORTS,
  DEFAULT_PRODUCTS_FILE,
  LOG_LEVELS,
  SERVICE_NAMES,
  defaultProductsFile,
  loadConfig,
  metricsPortVariable,
  portVariable,
  readsProductData,
  type FlagMode,
  type FleetConfig,
  type LaunchDarklyConfig,
  type LaunchDarklyEndpoints,
  type LogFormat,
  type LogLevel,
  type ServiceName,
} from './load-config';
export { findProjectRoot } from './project-root';
export { Secret } from './secret';
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
