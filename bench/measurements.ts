import type { ColdStartResult } from './measure/cold-start-fallbacks';
import type { EvaluationCostResult } from './measure/evaluation-cost';
import type { FlagLayerCostResult } from './measure/flag-layer-cost';
import type { InstructionCountResult } from './measure/instruction-count';
import type { PropagationResult } from './measure/propagation';
import type { RolloutResult } from './measure/rollout-under-load';

/** Figures 6, 7, 3, 4 and 5 for one side, on one fleet of two instances per service. */
export interface SideFigures {
  /** As soon as every instance has its flags. */
  readonly startRssMb: number[];
  /** After the quiet time and the idle CPU window: V8's memory reducer has run by then. */
  readonly idleRssMb: number[];
  /** The same moment, split: pages only the instance maps, and file pages it shares (the node binary). */
  readonly idlePrivateMb: number[];
  readonly idleSharedMb: number[];
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

/** Figure 2 on one Node.js and set of options: per evaluation, throughput, instructions per request. */
export interface FlagLayerOnNode {
  readonly runtime: { readonly version: string; readonly execArgv: readonly string[] };
  readonly evaluation: EvaluationCostResult;
  readonly flagLayer: FlagLayerCostResult;
  /** Or why callgrind could not count them (no valgrind). */
  readonly instructions: InstructionCountResult | { readonly error: string };
}

/** Everything one run measured, from which the figures are made (bench/report/figures.ts). */
export interface Measurements {
  readonly evaluation: EvaluationCostResult;
  readonly flagLayer: FlagLayerCostResult;
  readonly instructions: InstructionCountResult | { readonly error: string };
  /** Figure 2 again on the other runtimes: the fleet's Node.js without its young-generation cap, and `--node` binaries. */
  readonly otherRuntimes: readonly FlagLayerOnNode[];
  /** The options PM2 gives every instance (ecosystem.config.js `node_args`), the flag layer's too. */
  readonly fleetNodeArgs: readonly string[];
  readonly propagation: { readonly ours: PropagationResult; readonly naive: PropagationResult };
  readonly sides: { readonly ours: SideFigures; readonly naive: SideFigures };
  /** Figure 6's floor: the stack alone (bench/flag-layer/stack-floor-server.ts) idle, or why not measured. */
  readonly stackFloorIdleRssMb: number | { readonly error: string };
  readonly naiveStarts: number[];
  readonly scaling: ScalingPoint[];
  /** Figure `cold-start-fallbacks`: a host cold-started while LaunchDarkly is down, with the Redis flag store and without. */
  readonly coldStart: { readonly withRedis: ColdStartResult; readonly withoutRedis: ColdStartResult };
}
