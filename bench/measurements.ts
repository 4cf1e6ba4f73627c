import type { ColdStartResult } from './measure/cold-start-fallbacks';
import type { EvaluationCostResult } from './measure/evaluation-cost';
import type { FlagLayerCostResult } from './measure/flag-layer-cost';
import type { PropagationResult } from './measure/propagation';
import type { RolloutResult } from './measure/rollout-under-load';

/** Figures 6, 7, 3, 4 and 5 for one side, on one fleet of two instances per service. */
export interface SideFigures {
  /** As soon as every instance has its flags. */
  readonly startRssMb: number[];
  /** After the quiet time and the idle CPU window: V8's memory reducer has run by then. */
  readonly idleRssMb: number[];
  readonly idleCpuPercent: number[];
  readonly loadedRssMb: number[];
  readonly rollout: RolloutResult;
}

/** Figures 8 and 9 at one fleet size, or why it could not be measured. */
export type ScalingPoint =
  | {
      readonly instances: number;
      readonly startMs: number[];
      readonly idleRssMb: number[];
      readonly propagation: PropagationResult;
    }
  | { readonly instances: number; readonly error: string };

/** Everything one run measured, from which the figures are made (bench/report/figures.ts). */
export interface Measurements {
  readonly evaluation: EvaluationCostResult;
  readonly flagLayer: FlagLayerCostResult;
  readonly propagation: { readonly ours: PropagationResult; readonly naive: PropagationResult };
  readonly sides: { readonly ours: SideFigures; readonly naive: SideFigures };
  readonly naiveStarts: number[];
  readonly scaling: ScalingPoint[];
  /** Figure 10: a host cold-started while LaunchDarkly is down, with the Redis flag store and without. */
  readonly coldStart: { readonly withRedis: ColdStartResult; readonly withoutRedis: ColdStartResult };
}
