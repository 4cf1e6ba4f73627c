export { createLifecycle, type Lifecycle, type LifecyclePhase } from './lifecycle';
