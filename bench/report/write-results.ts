import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { BenchResult } from './bench-result';
import { renderChart } from './chart';
import { markdownReport } from './markdown-report';

export interface WrittenResults {
  readonly json: string;
  readonly markdown: string;
  readonly chart: string;
  readonly history: string;
}

/**
 * `latest.json`, `latest.md` and `latest.svg` in `directory`, and the same JSON under `history/`
 * named by its date, so earlier runs stay beside the newest one and a regression shows.
 */
export async function writeResults(result: BenchResult, directory: string): Promise<WrittenResults> {
  const historyDirectory = path.join(directory, 'history');
  await mkdir(historyDirectory, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const written: WrittenResults = {
    json: path.join(directory, 'latest.json'),
    markdown: path.join(directory, 'latest.md'),
    chart: path.join(directory, 'latest.svg'),
    history: path.join(historyDirectory, `${result.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`),
  };
  await writeFile(written.json, json);
  await writeFile(written.history, json);
  await writeFile(written.chart, `${renderChart(result)}\n`);
  await writeFile(written.markdown, markdownReport(result, 'latest.svg'));
  return written;
}
