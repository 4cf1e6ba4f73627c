import { describeTarget, type BenchResult, type FigureEntry } from './bench-result';

function formatValue(value: number | null, unit: string): string {
  if (value === null) return '–';
  const text = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return unit === '%' ? `${text}%` : unit ? `${text} ${unit}` : text;
}

function verdict(entry: FigureEntry): string {
  if (entry.pass === null) return '';
  return entry.pass ? 'pass' : '**miss**';
}

/** The figures as a Markdown table, with the machine and how the run was made. */
export function markdownReport(result: BenchResult, chartFile: string): string {
  const { machine } = result;
  const rows = result.figures.map((entry) =>
    [
      entry.figure,
      entry.name,
      formatValue(entry.value, entry.unit),
      entry.target ? describeTarget(entry.target, entry.unit) : '',
      formatValue(entry.baseline, entry.unit),
      verdict(entry),
      entry.error ? `failed: ${entry.error}` : (entry.note ?? ''),
    ].join(' | '),
  );
  const dependencies = Object.entries(machine.dependencies)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return [
    `# flagfleet benchmark (${result.mode})`,
    '',
    `Run ${result.date}, ${Math.round(result.durationS)} s, on ${machine.cores} × ${machine.cpuModel}, ` +
      `${machine.memoryGiB} GiB, ${machine.platform}; Node ${machine.node}; ${dependencies}.`,
    '',
    '"Naive" is `bench/baselines/naive/`: the tutorial integration under the same PM2 settings, double and load.',
    '',
    '| # | Figure | flagfleet | Target | Naive | | How |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
    '',
    `![Propagation latency and rollout losses, flagfleet versus naive](${chartFile})`,
    '',
  ].join('\n');
}
