export {
  createDrainingServer,
  type DrainOptions,
  type DrainReport,
  type DrainingServer,
} from './draining-server';
export { ecosystemApps, ecosystemEnv, type EcosystemApp } from './ecosystem-apps';
export { fleetTimings, type FleetTimings, type HostStopTimings } from './fleet-timings';
export { hostConfig, httpOrigin, localAddressOf, type HostSettings } from './host-config';
export { pm2Config } from './pm2-config';
export { realProcess, type CrashOrigin, type ProcessPort, type StopSignal } from './process-port';
export {
  runService,
  type RunOptions,
  type ServiceDefinition,
  type ServiceDependencies,
  type ServiceHandle,
} from './run-service';
export { serviceBuildInputs } from './service-build';
export {
  SHARED_CONFIG_PARTS,
  loadServiceConfig,
  ownConfigParts,
  serviceVariables,
  type ServiceConfig,
} from './service-config';
export {
  createShutdownSteps,
  type RegisterShutdownStep,
  type ShutdownStep,
  type ShutdownStepOptions,
  type ShutdownSteps,
} from './shutdown-steps';
export { acceptsConnections, waitForPorts, type PortsWaitReport } from './port-probe';
export { firstEphemeralPort, LOWEST_SPARE_PORT, sparePorts } from './spare-ports';
