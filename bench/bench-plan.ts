/** How long and how often each measurement runs. */
export interface BenchPlan {
  readonly mode: 'full' | 'quick';
  /** Figure 1: flag changes per measurement, and instances for the headline figure. */
  readonly propagationChanges: number;
  readonly propagationInstances: number;
  /** Figure 2: throughput rounds per variant, each after a warm-up; evaluation rounds (a process each). */
  readonly throughputRounds: number;
  readonly throughputRoundMs: number;
  readonly throughputWarmUpMs: number;
  readonly throughputConcurrency: number;
  readonly evaluationRounds: number;
  readonly evaluationIterations: number;
  /** Figure 2 under callgrind: requests before counting, and requests counted. */
  readonly instructionWarmUpRequests: number;
  readonly instructionRequests: number;
  /** Figures 3–5: reloads per side, and the steady load before and after each. */
  readonly reloads: number;
  readonly reloadSettleMs: number;
  /** Figures 6–7: quiet time after start-up, idle CPU window, load before the second RSS reading. */
  readonly idleSettleMs: number;
  readonly idleCpuMs: number;
  readonly loadMs: number;
  /** Figures 8–9: starts per fleet size (absolute times are medians), and the fleet sizes. */
  readonly startRepeats: number;
  readonly scalingInstances: readonly number[];
  /** Figure 10 (multi-host): instances per service on each host, load around each change, flag changes. */
  readonly multiHostInstances: number;
  readonly multiHostSettleMs: number;
  readonly multiHostPropagationChanges: number;
  /**
   * Figure `cold-start-fallbacks`: gateway requests after a cold start while LaunchDarkly is down, each
   * side (bounded also by 60 s).
   */
  readonly coldStartRequests: number;
}

export const FULL_PLAN: BenchPlan = {
  mode: 'full',
  propagationChanges: 30,
  propagationInstances: 6,
  throughputRounds: 3,
  throughputRoundMs: 5_000,
  throughputWarmUpMs: 1_000,
  throughputConcurrency: 16,
  evaluationRounds: 7,
  evaluationIterations: 200_000,
  instructionWarmUpRequests: 300,
  instructionRequests: 500,
  reloads: 3,
  reloadSettleMs: 2_000,
  idleSettleMs: 15_000,
  idleCpuMs: 60_000,
  loadMs: 60_000,
  startRepeats: 3,
  scalingInstances: [1, 2, 4, 8],
  multiHostInstances: 2,
  multiHostSettleMs: 3_000,
  multiHostPropagationChanges: 30,
  coldStartRequests: 2_000,
};

/** Every measurement, briefly: keeps the benchmark from rotting in CI; its numbers mean little. */
export const QUICK_PLAN: BenchPlan = {
  mode: 'quick',
  propagationChanges: 5,
  propagationInstances: 2,
  throughputRounds: 1,
  throughputRoundMs: 1_000,
  throughputWarmUpMs: 200,
  throughputConcurrency: 8,
  evaluationRounds: 1,
  evaluationIterations: 20_000,
  instructionWarmUpRequests: 20,
  instructionRequests: 20,
  reloads: 1,
  reloadSettleMs: 1_000,
  idleSettleMs: 1_000,
  idleCpuMs: 2_000,
  loadMs: 2_000,
  startRepeats: 1,
  scalingInstances: [1, 2],
  multiHostInstances: 1,
  multiHostSettleMs: 1_000,
  multiHostPropagationChanges: 3,
  coldStartRequests: 100,
};
