/**
 * `npm run bench`: every figure of the benchmark, the fleet beside the naive baseline, written to
 * bench/results/ (latest.json, latest.md, latest.svg, and a dated copy under history/).
 * `npm run bench -- --quick` runs each measurement briefly into bench/results/quick/, so CI keeps
 * the benchmark working; it asserts no timing.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

import { findProjectRoot } from '../shared/config';
import { FULL_PLAN, QUICK_PLAN } from './bench-plan';
import { describeTarget } from './report/bench-result';
import { writeResults } from './report/write-results';
import { runBench } from './run-bench';

const USAGE = `usage: npm run bench [-- --quick] [-- --out <directory>] [-- --node <binary>]…
  --quick          every measurement, briefly (CI); results go to bench/results/quick/ by default
  --out <dir>      where latest.json, latest.md, latest.svg and history/ go (default bench/results/)
  --node <binary>  also measure the flag layer (figure 2) on this Node.js, beside the one running the
                   benchmark (the project's, node_modules/.bin/node); repeat for more`;

function say(message: string): void {
  process.stdout.write(`${message}\n`);
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        node: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    say(USAGE);
    return 0;
  }
  const plan = options.quick ? QUICK_PLAN : FULL_PLAN;
  const resultsRoot = path.join(findProjectRoot(__dirname), 'bench', 'results');
  const out = path.resolve(options.out ?? (options.quick ? path.join(resultsRoot, 'quick') : resultsRoot));

  const startedAt = performance.now();
  const result = await runBench(
    plan,
    (message) =>
      say(`[bench ${((performance.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${message}`),
    options.node.map((binary) => path.resolve(binary)),
  );
  const written = await writeResults(result, out);

  say('');
  for (const entry of result.figures) {
    const target = entry.target ? ` (target ${describeTarget(entry.target, entry.unit)})` : '';
    const verdict = entry.pass === null ? '' : entry.pass ? ' pass' : ' MISS';
    const baseline = entry.baseline === null ? '' : `; naive ${+entry.baseline.toFixed(2)}`;
    const value =
      entry.value === null
        ? `FAILED (${entry.error ?? 'no value'})`
        : `${+entry.value.toFixed(2)} ${entry.unit}`;
    say(`${entry.figure}. ${entry.name}: ${value}${target}${verdict}${baseline}`);
  }
  say(`\n${written.markdown}\n${written.json}\n${written.chart}\n${written.history}`);
  // A missed target is for a person to investigate, not a failed run; a measurement that could not
  // be made is (CI's --quick run must notice a benchmark that broke).
  return result.figures.some((entry) => entry.value === null) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
