import type { LoadCounts, MultiHostSide } from '../measure/multi-host';
import { percentile } from '../stats';
import { figure, type FigureEntry } from './bench-result';

const MULTI_HOST_FIGURE = 10;

function failed(
  id: string,
  name: string,
  ours: LoadCounts | undefined,
  today: LoadCounts | undefined,
  kind: 'get' | 'post',
  target: boolean,
  note: string,
): FigureEntry {
  const value = ours ? ours[kind].failed : null;
  const total = ours ? ours[kind].total : 0;
  const baseline = today ? today[kind].failed : null;
  const kinds = ours && ours[kind].failed > 0 ? `; ${JSON.stringify(ours[kind].failures)}` : '';
  return figure({
    id,
    figure: MULTI_HOST_FIGURE,
    name,
    value,
    unit: 'requests',
    target: target ? { comparison: 'equals', value: 0 } : null,
    baseline,
    note: `${note}; of ${total}${kinds}${today ? `; today: of ${today[kind].total}` : ''}`,
  });
}

/**
 * Figure 10, the multi-host section: failed requests through HAProxy in front of 2 hosts, ours beside
 * today's behaviour (DRAIN_DELAY_MS=0, `pm2 delete ecosystem.config.js`) where it applies.
 */
export function multiHostFigures(
  measured: { ours: MultiHostSide; today: MultiHostSide } | { error: string },
  instances: number,
): FigureEntry[] {
  const where = `2 hosts × 3 services × ${instances} behind HAProxy, keep-alive, never retried`;
  if ('error' in measured) {
    return [
      figure({
        id: 'multihost',
        figure: MULTI_HOST_FIGURE,
        name: 'Multi-host behind HAProxy',
        value: null,
        unit: 'requests',
        target: null,
        baseline: null,
        error: measured.error,
      }),
    ];
  }
  const { ours, today } = measured;
  const propagation = ours.propagation?.everyInstanceMs ?? [];
  return [
    failed(
      'multihost.roll.get',
      'Failed GET while rolling both hosts',
      ours.rollBoth,
      undefined,
      'get',
      true,
      `${where}; npm run rollout -- --all per host`,
    ),
    failed(
      'multihost.roll.post',
      'Failed POST while rolling both hosts',
      ours.rollBoth,
      undefined,
      'post',
      true,
      where,
    ),
    failed(
      'multihost.stop.get',
      'Failed GET: one host stopped and started',
      ours.stopAndStart,
      today.stopAndStart,
      'get',
      true,
      `${where}; npm run drain, DRAIN_DELAY_MS 1500 (today: pm2 delete, 0)`,
    ),
    failed(
      'multihost.stop.post',
      'Failed POST: one host stopped and started',
      ours.stopAndStart,
      today.stopAndStart,
      'post',
      true,
      where,
    ),
    failed(
      'multihost.sigkill.get',
      'Failed GET: one host SIGKILLed whole',
      ours.sigkill,
      today.sigkill,
      'get',
      true,
      `${where}; HAProxy retries GET only`,
    ),
    failed(
      'multihost.sigkill.post',
      'Failed POST: one host SIGKILLed whole',
      ours.sigkill,
      today.sigkill,
      'post',
      false,
      `${where}; a POST in flight on the dead host fails: it may have run`,
    ),
    figure({
      id: 'multihost.propagation.p99',
      figure: MULTI_HOST_FIGURE,
      name: 'Flag propagation p99 to every instance of every host',
      value: propagation.length > 0 ? percentile(propagation, 99) : null,
      unit: 'ms',
      target: null,
      baseline: null,
      note: `${propagation.length} changes; every catalog instance of both hosts`,
    }),
  ];
}
