import { median } from '../stats';
import { forkUntilMessage } from './forked-script';
import type { NodeRuntime } from './node-runtime';

export interface EvaluationCostOptions {
  readonly runtime: NodeRuntime;
  /** Where both sides send analytics events (the double): event bookkeeping is part of the cost. */
  readonly eventsUrl: string;
  readonly rounds: number;
  readonly iterations: number;
}

export interface EvaluationCostResult {
  /** Median CPU ns per `ld.variation()` with a context written inline. */
  readonly rawNs: number;
  /** Median CPU ns per evaluation through the fleet's context builder and accessor (with its tally). */
  readonly oursNs: number;
  /** (ours − raw) / raw, in percent. */
  readonly overheadPercent: number;
}

type Side = 'raw' | 'ours';

async function measureOnce(side: Side, options: EvaluationCostOptions): Promise<number> {
  const loop = await forkUntilMessage<{ nsPerEvaluation: number }>(
    'evaluation-loop',
    [side, String(options.iterations), options.eventsUrl],
    `the ${side} evaluation loop on Node.js ${options.runtime.version}`,
    options.runtime,
  );
  await loop.exited;
  return loop.message.nsPerEvaluation;
}

/**
 * Figure 2 (per evaluation): what the fleet adds to one flag evaluation, the raw SDK call and ours
 * each in a fresh process per round (bench/flag-layer/evaluation-loop.ts), rounds in turns.
 */
export async function measureEvaluationCost(options: EvaluationCostOptions): Promise<EvaluationCostResult> {
  const samples: Record<Side, number[]> = { raw: [], ours: [] };
  for (let round = 0; round < options.rounds; round += 1) {
    for (const side of ['raw', 'ours'] as const) samples[side].push(await measureOnce(side, options));
  }
  const rawNs = median(samples.raw);
  const oursNs = median(samples.ours);
  return { rawNs, oursNs, overheadPercent: (100 * (oursNs - rawNs)) / rawNs };
}
