export { ConfigError } from './config-error';
export { ecosystemEnv } from './ecosystem-env';
export {
  DEFAULT_DAEMON_CACHE_TTL_S,
  DEFAULT_REDIS_PREFIX,
  FLAG_STORE_VARIABLES,
  loadFlagStoreConfig,
  type FlagStoreConfig,
} from './flag-store-config';
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
