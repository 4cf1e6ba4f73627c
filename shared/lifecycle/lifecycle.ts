export type LifecyclePhase = 'starting' | 'serving' | 'leaving' | 'draining';

/** Where this instance is in its life; `/readyz` reads it, the service runner moves it forward. */
export interface Lifecycle {
  phase(): LifecyclePhase;
  /** Moves forward only: starting → serving → leaving → draining. */
  enter(phase: LifecyclePhase): void;
}

/**
 * `leaving`: the whole host is stopping; `/readyz` answers 503 so the load balancer takes the host
 * out, while requests are still served as usual. `draining`: the port is closed, open requests finish.
 */
const ORDER: readonly LifecyclePhase[] = ['starting', 'serving', 'leaving', 'draining'];

export function createLifecycle(): Lifecycle {
  let current: LifecyclePhase = 'starting';
  return {
    phase: () => current,
    enter(phase) {
      if (ORDER.indexOf(phase) > ORDER.indexOf(current)) current = phase;
    },
  };
}
