import * as echarts from 'echarts';

import type { BenchResult } from './bench-result';

/** Cumulative distribution as [ms, % of samples at or below it] points. */
function cumulative(samples: readonly number[]): Array<[number, number]> {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted.map((value, index) => [
    Math.round(value * 10) / 10,
    Math.round(((index + 1) / sorted.length) * 1000) / 10,
  ]);
}

const OURS = '#2f6fdf';
const NAIVE = '#d9534f';
const SIDES = ['flagfleet', 'naive'];

/**
 * One SVG: how fast flag changes reached instances (cumulative, both sides), and beside it what a
 * rollout under load cost each side, one small panel per kind of loss so that a 3 is not flattened
 * by a 6,000. Rendered by ECharts' server-side SVG renderer: no browser, no canvas.
 */
export function renderChart(result: BenchResult): string {
  const { propagationMs, losses } = result.series;
  const panels = [
    { title: 'Failed requests', ours: losses.ours.failedRequests, naive: losses.naive.failedRequests },
    { title: 'Lost events', ours: losses.ours.lostEvents, naive: losses.naive.lostEvents },
    { title: 'Fallback answers', ours: losses.ours.staleAnswers, naive: losses.naive.staleAnswers },
  ];
  const panelLeft = (index: number) => `${58.5 + index * 14.5}%`;

  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 1000, height: 420 });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: 'sans-serif' },
      title: [
        { text: 'Flag change → every instance serves it', left: '3%', top: 8, textStyle: { fontSize: 14 } },
        { text: 'pm2 reload under load, then pm2 stop', left: '56%', top: 8, textStyle: { fontSize: 14 } },
      ],
      legend: { bottom: 4, left: '3%', itemGap: 24, data: ['flagfleet', 'naive tutorial integration'] },
      grid: [
        { left: '8%', width: '40%', top: 60, bottom: 80 },
        ...panels.map((_, index) => ({ left: panelLeft(index), width: '9.5%', top: 60, bottom: 80 })),
      ],
      xAxis: [
        {
          gridIndex: 0,
          type: 'value',
          name: 'ms after the patch',
          nameLocation: 'middle',
          nameGap: 26,
          min: 0,
        },
        ...panels.map((panel, index) => ({
          gridIndex: index + 1,
          type: 'category',
          data: SIDES,
          axisLabel: { interval: 0 },
          name: panel.title,
          nameLocation: 'middle',
          nameGap: 30,
          nameTextStyle: { fontWeight: 'bold' },
        })),
      ],
      yAxis: [
        {
          gridIndex: 0,
          type: 'value',
          name: '% of instance updates',
          nameLocation: 'middle',
          nameGap: 36,
          min: 0,
          max: 100,
        },
        ...panels.map((_, index) => ({ gridIndex: index + 1, type: 'value', minInterval: 1 })),
      ],
      series: [
        {
          name: 'flagfleet',
          type: 'line',
          step: 'end',
          showSymbol: false,
          data: cumulative(propagationMs.ours),
          color: OURS,
        },
        {
          name: 'naive tutorial integration',
          type: 'line',
          step: 'end',
          showSymbol: false,
          data: cumulative(propagationMs.naive),
          color: NAIVE,
        },
        ...panels.map((panel, index) => ({
          type: 'bar',
          xAxisIndex: index + 1,
          yAxisIndex: index + 1,
          barWidth: '60%',
          label: { show: true, position: 'top' },
          data: [
            { value: panel.ours, itemStyle: { color: OURS } },
            { value: panel.naive, itemStyle: { color: NAIVE } },
          ],
        })),
      ],
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
