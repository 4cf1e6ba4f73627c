export { ConfigError } from './config-error';
export { ecosystemEnv } from './ecosystem-env';
export { fleetTimings, type FleetTimings, type HostStopTimings } from './fleet-timings';
export { hostSettings, httpOrigin, localAddressOf, type HostSettings } from './host-settings';
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
export {
  calleesOfService,
  callerLevelsOf,
  callersOfService,
  fleetStartOrder,
  fleetStopOrder,
  SERVICE_CALLS,
} from './service-calls';
export type { CallGraph } from './call-graph';
