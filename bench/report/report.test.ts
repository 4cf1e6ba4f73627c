import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describeTarget, figure, type BenchResult } from './bench-result';
import { renderChart } from './chart';
import { markdownReport } from './markdown-report';
import { writeResults } from './write-results';

function resultWith(date: string): BenchResult {
  return {
    date,
    mode: 'quick',
    durationS: 61,
    machine: {
      cores: 2,
      cpuModel: 'Test CPU',
      memoryGiB: 24,
      platform: 'linux test x64',
      node: 'v20.20.2',
      dependencies: { pm2: '7.0.4' },
    },
    figures: [
      figure({
        id: 'propagation.p99',
        figure: 1,
        name: 'Flag propagation p99',
        value: 12.5,
        unit: 'ms',
        target: { comparison: 'atMost', value: 25 },
        baseline: 11,
      }),
      figure({
        id: 'memory.idle',
        figure: 6,
        name: 'RSS idle',
        value: 79.4,
        unit: 'MB',
        target: { comparison: 'atMost', value: 70 },
        baseline: 59.5,
        note: 'largest instance',
      }),
      figure({
        id: 'rollout.duration',
        figure: 3,
        name: 'Reload duration',
        value: 6.7,
        unit: 's',
        target: null,
        baseline: null,
      }),
    ],
    series: {
      propagationMs: { ours: [3, 5, 8, 12.5], naive: [2, 4, 11] },
      losses: {
        ours: { failedRequests: 0, lostEvents: 0, staleAnswers: 0 },
        naive: { failedRequests: 3, lostEvents: 4321, staleAnswers: 17 },
      },
    },
  };
}

describe('benchmark figures', () => {
  it('pass or miss by their target, and a figure without a target neither passes nor misses', () => {
    const [propagation, memory, duration] = resultWith('2026-11-25T00:00:00.000Z').figures;
    expect(propagation!.pass).toBe(true);
    expect(memory!.pass).toBe(false);
    expect(duration!.pass).toBeNull();
    expect(
      figure({
        id: 'x',
        figure: 7,
        name: 'cpu',
        value: 1,
        unit: '%',
        target: { comparison: 'below', value: 1 },
        baseline: null,
      }).pass,
    ).toBe(false);
    expect(
      figure({
        id: 'x',
        figure: 3,
        name: 'failed',
        value: 0,
        unit: 'requests',
        target: { comparison: 'equals', value: 0 },
        baseline: 3,
      }).pass,
    ).toBe(true);
  });

  it('that could not be measured never pass, and the report says why instead of a value', () => {
    const failed = figure({
      id: 'scaling.8.failed',
      figure: 9,
      name: 'Scaling, 8 per service',
      value: null,
      unit: '',
      target: { comparison: 'atMost', value: 3 },
      baseline: null,
      error: 'after 120000 ms, 23 of 24 instances are online',
    });
    expect(failed.pass).toBe(false);
    const markdown = markdownReport(
      { ...resultWith('2026-11-25T00:00:00.000Z'), figures: [failed] },
      'latest.svg',
    );
    expect(markdown).toContain(
      '| 9 | Scaling, 8 per service | – | ≤ 3 | – | **miss** | failed: after 120000 ms, 23 of 24 instances are online |',
    );
  });

  it('write their targets the way the issue states them', () => {
    expect(describeTarget({ comparison: 'atMost', value: 25 }, 'ms')).toBe('≤ 25 ms');
    expect(describeTarget({ comparison: 'atLeast', value: 0.95 }, '×')).toBe('≥ 0.95 ×');
    expect(describeTarget({ comparison: 'below', value: 1 }, '%')).toBe('< 1%');
  });
});

describe('the Markdown report', () => {
  it('has one row per figure with its value, target, baseline and verdict, the machine, and the chart', () => {
    const markdown = markdownReport(resultWith('2026-11-25T00:00:00.000Z'), 'latest.svg');
    expect(markdown).toContain('| 1 | Flag propagation p99 | 12.5 ms | ≤ 25 ms | 11 ms | pass |');
    expect(markdown).toContain(
      '| 6 | RSS idle | 79.4 MB | ≤ 70 MB | 59.5 MB | **miss** | largest instance |',
    );
    expect(markdown).toContain('| 3 | Reload duration | 6.70 s |  | – |  |');
    expect(markdown).toContain('2 × Test CPU');
    expect(markdown).toContain('pm2 7.0.4');
    expect(markdown).toContain(
      '![Propagation latency and rollout losses, flagfleet versus naive](latest.svg)',
    );
  });
});

describe('the chart', () => {
  it('is an SVG that shows both sides and the losses of each', () => {
    const svg = renderChart(resultWith('2026-11-25T00:00:00.000Z'));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('flagfleet');
    expect(svg).toContain('naive tutorial integration');
    expect(svg).toContain('4321');
    expect(svg).toContain('Flag change');
  });
});

describe('writeResults', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-bench-'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  it('writes latest.json, latest.md and latest.svg, and keeps every run in history/ by its date', async () => {
    await writeResults(resultWith('2026-11-24T10:00:00.000Z'), directory);
    const written = await writeResults(resultWith('2026-11-25T11:30:00.000Z'), directory);

    expect(JSON.parse(await readFile(written.json, 'utf8'))).toEqual(resultWith('2026-11-25T11:30:00.000Z'));
    expect(await readFile(written.markdown, 'utf8')).toContain('Flag propagation p99');
    expect(await readFile(written.chart, 'utf8')).toMatch(/^<svg/);
    expect((await readdir(path.join(directory, 'history'))).sort()).toEqual([
      '2026-11-24T10-00-00Z.json',
      '2026-11-25T11-30-00Z.json',
    ]);
  });
});
