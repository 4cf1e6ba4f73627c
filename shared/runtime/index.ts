export {
  createDrainingServer,
  type DrainOptions,
  type DrainReport,
  type DrainingServer,
} from './draining-server';
export { createLifecycle, type Lifecycle, type LifecyclePhase } from './lifecycle';
export { realProcess, type CrashOrigin, type ProcessPort, type StopSignal } from './process-port';
export {
  runService,
  type RunOptions,
  type ServiceDefinition,
  type ServiceDependencies,
  type ServiceHandle,
} from './run-service';
