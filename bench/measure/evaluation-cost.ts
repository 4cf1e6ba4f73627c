import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

import { median } from '../stats';

export interface EvaluationCostOptions {
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
  const script = path.join(__dirname, '..', 'flag-layer', 'evaluation-loop.js');
  const child = fork(script, [side, String(options.iterations), options.eventsUrl], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const [message] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`the ${side} evaluation loop exited with ${String(code)} before reporting`);
    }),
  ])) as [{ nsPerEvaluation: number }];
  await exited;
  return message.nsPerEvaluation;
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
