export type LifecyclePhase = 'starting' | 'serving' | 'draining';

/** Where this instance is in its life; `/readyz` reads it, the service runner moves it forward. */
export interface Lifecycle {
  phase(): LifecyclePhase;
  /** Moves forward only: starting → serving → draining. */
  enter(phase: LifecyclePhase): void;
}

const ORDER: readonly LifecyclePhase[] = ['starting', 'serving', 'draining'];

export function createLifecycle(): Lifecycle {
  let current: LifecyclePhase = 'starting';
  return {
    phase: () => current,
    enter(phase) {
      if (ORDER.indexOf(phase) > ORDER.indexOf(current)) current = phase;
    },
  };
}
