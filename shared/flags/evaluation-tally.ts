/** One flag and variation's evaluations since the last `drain()`. */
export interface EvaluationCount {
  readonly flag: string;
  /** The variation index, or `none` when the fallback value was served. */
  readonly variation: string;
  readonly count: number;
}

const FALLBACK = 'none';

/**
 * Counts evaluations by flag and variation index in plain maps, for the instance's metrics. It is
 * on every evaluation's path, so it does as little as it can there; the metrics registry takes the
 * counts when it is scraped. (The SDK's evaluation hooks would do the same job, but its hook runner
 * adds more to each evaluation than the evaluation costs: `npm run bench`, figure 2.)
 */
export class EvaluationTally {
  /** flag → counts indexed by variation; a fallback is counted under `fallbacks`. */
  private readonly byFlag = new Map<string, { byVariation: number[]; fallbacks: number }>();

  record(flag: string, variationIndex: number | null | undefined): void {
    let counts = this.byFlag.get(flag);
    if (counts === undefined) {
      counts = { byVariation: [], fallbacks: 0 };
      this.byFlag.set(flag, counts);
    }
    if (variationIndex == null) counts.fallbacks += 1;
    else counts.byVariation[variationIndex] = (counts.byVariation[variationIndex] ?? 0) + 1;
  }

  /** The counts since the previous call, which start again from zero. */
  drain(): EvaluationCount[] {
    const counts: EvaluationCount[] = [];
    for (const [flag, { byVariation, fallbacks }] of this.byFlag) {
      byVariation.forEach((count, index) => {
        if (count > 0) counts.push({ flag, variation: String(index), count });
      });
      if (fallbacks > 0) counts.push({ flag, variation: FALLBACK, count: fallbacks });
    }
    this.byFlag.clear();
    return counts;
  }
}
