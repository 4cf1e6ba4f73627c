/** What a figure must meet. `atMost 25` reads "≤ 25"; `below 1` reads "< 1". */
export interface Target {
  readonly comparison: 'atMost' | 'below' | 'atLeast' | 'equals';
  readonly value: number;
}

/** One reported number: the issue's figures, each split into the values it names (p50, p99, …). */
export interface FigureEntry {
  /** Stable across runs, for comparing with earlier results: `propagation.p99`, `scaling.4.rss`. */
  readonly id: string;
  /** The issue's figure number, 1–10. */
  readonly figure: number;
  readonly name: string;
  /** Null when the measurement failed: `error` says why. */
  readonly value: number | null;
  readonly unit: string;
  readonly target: Target | null;
  /** The naive baseline's value, where it applies and was measured. */
  readonly baseline: number | null;
  /** Null when there is no target. */
  readonly pass: boolean | null;
  /** How it was measured, in a few words (instances, repeats, what the baseline is). */
  readonly note?: string;
  /** Why the measurement failed; the rest of the run still reports. */
  readonly error?: string;
}

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

/** The raw samples the chart is drawn from. */
export interface BenchSeries {
  /** Per change and instance, ms until it served the new value (figure 1). */
  readonly propagationMs: { readonly ours: number[]; readonly naive: number[] };
  /** Figures 3 and 4 per side, for the chart. */
  readonly losses: {
    readonly ours: {
      readonly failedRequests: number;
      readonly lostEvents: number;
      readonly staleAnswers: number;
    };
    readonly naive: {
      readonly failedRequests: number;
      readonly lostEvents: number;
      readonly staleAnswers: number;
    };
  };
}

export interface BenchResult {
  /** ISO time the run started. */
  readonly date: string;
  readonly mode: 'full' | 'quick';
  readonly durationS: number;
  readonly machine: MachineInfo;
  readonly figures: FigureEntry[];
  readonly series: BenchSeries;
}

export function meets(value: number, target: Target): boolean {
  switch (target.comparison) {
    case 'atMost':
      return value <= target.value;
    case 'below':
      return value < target.value;
    case 'atLeast':
      return value >= target.value;
    case 'equals':
      return value === target.value;
  }
}

export function describeTarget(target: Target, unit: string): string {
  const symbol = { atMost: '≤', below: '<', atLeast: '≥', equals: '=' }[target.comparison];
  return `${symbol} ${target.value}${unit === '%' ? '%' : ` ${unit}`}`.trim();
}

/** A figure entry with `pass` worked out from its target; a failed measurement never passes. */
export function figure(entry: Omit<FigureEntry, 'pass'>): FigureEntry {
  if (entry.value === null) return { ...entry, pass: entry.target ? false : null };
  return { ...entry, pass: entry.target ? meets(entry.value, entry.target) : null };
}
