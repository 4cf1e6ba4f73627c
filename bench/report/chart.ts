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

/**
 * One SVG, two panels: how fast flag changes reached instances (cumulative, ours and naive), and
 * what a rollout under load lost on each side. Rendered by ECharts' server-side SVG renderer, so
 * no browser or canvas is involved.
 */
export function renderChart(result: BenchResult): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 960, height: 400 });
  try {
    const { propagationMs, losses } = result.series;
    const categories = ['Failed requests', 'Lost events', 'Fallback answers'];
    const lossValues = (side: typeof losses.ours) => [
      side.failedRequests,
      side.lostEvents,
      side.staleAnswers,
    ];
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: 'sans-serif' },
      title: [
        { text: 'Flag change → instance serves it', left: '4%', top: 8, textStyle: { fontSize: 14 } },
        { text: 'pm2 reload under load, then pm2 stop', left: '55%', top: 8, textStyle: { fontSize: 14 } },
      ],
      legend: { top: 34, data: ['flagfleet', 'naive tutorial integration'] },
      grid: [
        { left: '6%', right: '53%', top: 80, bottom: 50 },
        { left: '57%', right: '3%', top: 80, bottom: 50 },
      ],
      xAxis: [
        {
          gridIndex: 0,
          type: 'value',
          name: 'ms after the patch',
          nameLocation: 'middle',
          nameGap: 28,
          min: 0,
        },
        { gridIndex: 1, type: 'category', data: categories },
      ],
      yAxis: [
        { gridIndex: 0, type: 'value', name: '% of instance updates', min: 0, max: 100 },
        { gridIndex: 1, type: 'value', name: 'count', minInterval: 1 },
      ],
      series: [
        {
          name: 'flagfleet',
          type: 'line',
          xAxisIndex: 0,
          yAxisIndex: 0,
          step: 'end',
          showSymbol: false,
          data: cumulative(propagationMs.ours),
          color: OURS,
        },
        {
          name: 'naive tutorial integration',
          type: 'line',
          xAxisIndex: 0,
          yAxisIndex: 0,
          step: 'end',
          showSymbol: false,
          data: cumulative(propagationMs.naive),
          color: NAIVE,
        },
        {
          name: 'flagfleet',
          type: 'bar',
          xAxisIndex: 1,
          yAxisIndex: 1,
          data: lossValues(losses.ours),
          color: OURS,
          label: { show: true, position: 'top' },
        },
        {
          name: 'naive tutorial integration',
          type: 'bar',
          xAxisIndex: 1,
          yAxisIndex: 1,
          data: lossValues(losses.naive),
          color: NAIVE,
          label: { show: true, position: 'top' },
        },
      ],
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
