export { callerLevels, callersOf, stopOrder } from './call-graph';
export { callOrder, type CallingService } from './call-order';
export { planFleet, resolvePorts } from './fleet-plan';
export { fleetProblems, serviceNameProblem, type PlannedService } from './fleet-problems';
export {
  defineService,
  type AnyServiceManifest,
  type CanaryRequest,
  type Pm2Overrides,
  type ServiceManifest,
  type StartupFile,
} from './service-manifest';
export { metricsPortVariable, portVariable, urlVariable, variablePrefix } from './variable-names';
