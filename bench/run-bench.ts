import { findProjectRoot } from '../shared/config';
import { startLaunchDarklyDouble } from '../test/support/launchdarkly-double';
import { DOUBLE_SDK_KEY, fleetFlags } from '../test/support/fleet-flags';
import { runLoad } from '../test/support/load-client';
import type { BenchPlan } from './bench-plan';
import { withSession, type Session, type Variant } from './fleet-session';
import { measureEvaluationCost } from './measure/evaluation-cost';
import { measureFlagLayerCost } from './measure/flag-layer-cost';
import { cpuPercentOver, processUsage } from './measure/process-usage';
import { measurePropagation, type PropagationResult } from './measure/propagation';
import { measureRolloutUnderLoad, type RolloutResult } from './measure/rollout-under-load';
import { figure, type BenchResult, type FigureEntry } from './report/bench-result';
import { machineInfo } from './report/machine-info';
import { median, percentile, sleep } from './stats';
import { loadsFor } from './variant-loads';

export type Progress = (message: string) => void;

const MB = 1024 * 1024;

/** Figures 6, 7, 3, 4 and 5 for one side, on one fleet of two instances per service. */
interface SideFigures {
  /** As soon as every instance has its flags. */
  readonly startRssMb: number[];
  /** After the quiet time and the idle CPU window: V8's memory reducer has run by then. */
  readonly idleRssMb: number[];
  readonly idleCpuPercent: number[];
  readonly loadedRssMb: number[];
  readonly rollout: RolloutResult;
}

async function rssMbOf(session: Session): Promise<number[]> {
  const instances = await session.fleet.list();
  const usage = await Promise.all(instances.map((instance) => processUsage(instance.pid)));
  return usage.map((entry) => entry.rssBytes / MB);
}

async function measureSide(variant: Variant, plan: BenchPlan, progress: Progress): Promise<SideFigures> {
  return withSession({ variant, instances: 2 }, async (session) => {
    progress(`${variant}: ${session.processes} instances online in ${Math.round(session.startMs)} ms; idle`);
    const startRssMb = await rssMbOf(session);
    await sleep(plan.idleSettleMs);
    const pids = (await session.fleet.list()).map((instance) => instance.pid);
    const idleCpuPercent = await cpuPercentOver(pids, plan.idleCpuMs);
    const idleRssMb = await rssMbOf(session);
    progress(`${variant}: ${plan.loadMs / 1000} s of steady load`);
    await Promise.all(
      loadsFor(session).map((load) =>
        runLoad({
          baseUrl: load.baseUrl,
          concurrency: load.concurrency,
          durationMs: plan.loadMs,
          // A fixed set of users: this load is about memory, not about events.
          request: (index) => load.request(index, `steady-user-${index % 1000}`),
        }),
      ),
    );
    const loadedRssMb = await rssMbOf(session);
    progress(`${variant}: ${plan.reloads} × pm2 reload under load, then pm2 stop`);
    const rollout = await measureRolloutUnderLoad({
      fleet: session.fleet,
      double: session.double,
      loads: loadsFor(session),
      reloads: plan.reloads,
      settleMs: plan.reloadSettleMs,
      eventWaitMs: 15_000,
    });
    return { startRssMb, idleRssMb, idleCpuPercent, loadedRssMb, rollout };
  });
}

async function propagationOn(
  variant: Variant,
  instances: number,
  changes: number,
): Promise<PropagationResult & { startMs: number }> {
  const only = variant === 'ours' ? { only: ['catalog'] as const } : {};
  return withSession({ variant, instances, ...only }, async (session) => ({
    startMs: session.startMs,
    ...(await measurePropagation({
      double: session.double,
      baseUrl: session.catalogUrl,
      instances,
      changes,
    })),
  }));
}

type ScalingPoint =
  | {
      readonly instances: number;
      readonly startMs: number[];
      readonly idleRssMb: number[];
      readonly propagation: PropagationResult;
    }
  | { readonly instances: number; readonly error: string };

/** Figures 8 and 9: the whole fleet at each size, started `startRepeats` times; memory and propagation on the last. */
async function measureScaling(plan: BenchPlan, progress: Progress): Promise<ScalingPoint[]> {
  const points: ScalingPoint[] = [];
  for (const instances of plan.scalingInstances) {
    try {
      const startMs: number[] = [];
      for (let repeat = 1; repeat < plan.startRepeats; repeat += 1) {
        startMs.push(
          await withSession({ variant: 'ours', instances }, (session) => Promise.resolve(session.startMs)),
        );
      }
      const point = await withSession({ variant: 'ours', instances }, async (session) => {
        startMs.push(session.startMs);
        await sleep(plan.idleSettleMs);
        const idleRssMb = await rssMbOf(session);
        const propagation = await measurePropagation({
          double: session.double,
          baseUrl: session.catalogUrl,
          instances,
          changes: plan.propagationChanges,
        });
        return { instances, startMs, idleRssMb, propagation };
      });
      progress(
        `scaling: ${instances} per service, start ${Math.round(median(point.startMs))} ms, ` +
          `RSS ≤ ${Math.round(Math.max(...point.idleRssMb))} MB, propagation p99 ` +
          `${percentile(point.propagation.everyInstanceMs, 99).toFixed(1)} ms`,
      );
      points.push(point);
    } catch (error) {
      // One fleet size failing (it is reported) must not lose the figures already measured.
      const message = error instanceof Error ? error.message : String(error);
      progress(`scaling: ${instances} per service FAILED: ${message}`);
      points.push({ instances, error: message.split('\n')[0]!.slice(0, 300) });
    }
  }
  return points;
}

async function naiveStartMs(plan: BenchPlan): Promise<number[]> {
  const startMs: number[] = [];
  for (let repeat = 0; repeat < plan.startRepeats; repeat += 1) {
    startMs.push(
      await withSession({ variant: 'naive', instances: 2 }, (session) => Promise.resolve(session.startMs)),
    );
  }
  return startMs;
}

const max = (values: readonly number[]) => Math.max(...values);

/** Every figure of the issue, ours beside the naive baseline where it applies. */
export async function runBench(plan: BenchPlan, progress: Progress): Promise<BenchResult> {
  const startedAt = new Date();
  const projectRoot = findProjectRoot(__dirname);

  // In-process measurements first, while nothing else runs.
  const eventsDouble = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
  let evaluation;
  let flagLayer;
  try {
    progress('flag layer: ns per evaluation, ours versus the raw SDK call');
    evaluation = await measureEvaluationCost({
      eventsUrl: eventsDouble.url,
      rounds: plan.evaluationRounds,
      iterations: plan.evaluationIterations,
    });
    progress('flag layer: catalog throughput with the real client versus constants');
    flagLayer = await measureFlagLayerCost({
      eventsUrl: eventsDouble.url,
      rounds: plan.throughputRounds,
      roundMs: plan.throughputRoundMs,
      warmUpMs: plan.throughputWarmUpMs,
      concurrency: plan.throughputConcurrency,
    });
  } finally {
    await eventsDouble.close();
  }

  progress(
    `propagation: ${plan.propagationChanges} changes, ${plan.propagationInstances} instances, each side`,
  );
  const propagation = {
    ours: await propagationOn('ours', plan.propagationInstances, plan.propagationChanges),
    naive: await propagationOn('naive', plan.propagationInstances, plan.propagationChanges),
  };

  const sides = {
    ours: await measureSide('ours', plan, progress),
    naive: await measureSide('naive', plan, progress),
  };
  progress('start-up: naive baseline');
  const naiveStarts = await naiveStartMs(plan);
  const scaling = await measureScaling(plan, progress);
  const measured = (point: ScalingPoint | undefined) => (point && 'startMs' in point ? point : undefined);
  const headlineScaling = measured(scaling.find((point) => point.instances === 2));

  const lost = (rollout: RolloutResult) => rollout.contextsSent - rollout.contextsDelivered;
  const delivered = (rollout: RolloutResult) =>
    rollout.contextsSent === 0 ? 0 : (100 * rollout.contextsDelivered) / rollout.contextsSent;
  const { ours, naive } = sides;
  const p = (result: PropagationResult, rank: number) => percentile(result.everyInstanceMs, rank);
  const instancesNote = `${plan.propagationInstances} instances, ${plan.propagationChanges} changes`;

  const figures: FigureEntry[] = [
    figure({
      id: 'propagation.p50',
      figure: 1,
      name: 'Flag propagation p50',
      value: p(propagation.ours, 50),
      unit: 'ms',
      target: null,
      baseline: p(propagation.naive, 50),
      note: instancesNote,
    }),
    figure({
      id: 'propagation.p99',
      figure: 1,
      name: 'Flag propagation p99',
      value: p(propagation.ours, 99),
      unit: 'ms',
      target: { comparison: 'atMost', value: 25 },
      baseline: p(propagation.naive, 99),
      note: instancesNote,
    }),
    figure({
      id: 'propagation.max',
      figure: 1,
      name: 'Flag propagation max',
      value: p(propagation.ours, 100),
      unit: 'ms',
      target: { comparison: 'below', value: 100 },
      baseline: p(propagation.naive, 100),
      note: 'the design note promises < 100 ms',
    }),
    figure({
      id: 'flag-layer.throughput-ratio',
      figure: 2,
      name: 'Throughput, real client ÷ constants',
      value: flagLayer.throughputRatio,
      unit: '×',
      target: { comparison: 'atLeast', value: 0.95 },
      baseline: null,
      note:
        `catalog app, ${plan.throughputRounds} rounds each, medians; server CPU per request ` +
        `${flagLayer.realCpuUsPerRequest.toFixed(0)} µs, constants ${flagLayer.stubCpuUsPerRequest.toFixed(0)} µs`,
    }),
    figure({
      id: 'flag-layer.p99',
      figure: 2,
      name: 'Request p99, real client',
      value: flagLayer.realP99Ms,
      unit: 'ms',
      target: null,
      baseline: null,
      note: `constants: ${flagLayer.stubP99Ms.toFixed(2)} ms`,
    }),
    figure({
      id: 'flag-layer.evaluation-ns',
      figure: 2,
      name: 'Evaluation through our layer',
      value: evaluation.oursNs,
      unit: 'ns',
      target: null,
      baseline: null,
      note: `raw SDK variation(): ${Math.round(evaluation.rawNs)} ns`,
    }),
    figure({
      id: 'flag-layer.evaluation-overhead',
      figure: 2,
      name: 'Our layer over a raw variation()',
      value: evaluation.overheadPercent,
      unit: '%',
      target: { comparison: 'atMost', value: 10 },
      baseline: null,
      note: 'context builder + accessor + evaluation tally',
    }),
    figure({
      id: 'rollout.failed',
      figure: 3,
      name: 'Failed requests during pm2 reload',
      value: ours.rollout.failed,
      unit: 'requests',
      target: { comparison: 'equals', value: 0 },
      baseline: naive.rollout.failed,
      note: `${plan.reloads} reloads; of ${ours.rollout.requests} (naive: ${naive.rollout.requests})`,
    }),
    figure({
      id: 'rollout.sigkill',
      figure: 3,
      name: 'Workers SIGKILLed during reloads',
      value: ours.rollout.sigkills,
      unit: 'workers',
      target: { comparison: 'equals', value: 0 },
      baseline: naive.rollout.sigkills,
    }),
    figure({
      id: 'rollout.duration',
      figure: 3,
      name: 'pm2 reload duration (median)',
      value: median(ours.rollout.reloadMs) / 1000,
      unit: 's',
      target: null,
      baseline: median(naive.rollout.reloadMs) / 1000,
      note:
        `one instance at a time: ours 6 (3 services × 2), ${(median(ours.rollout.reloadMs) / 6000).toFixed(1)} s each; ` +
        `naive 2, ${(median(naive.rollout.reloadMs) / 2000).toFixed(1)} s each`,
    }),
    figure({
      id: 'events.delivered',
      figure: 4,
      name: 'Contexts delivered to the events endpoint',
      value: delivered(ours.rollout),
      unit: '%',
      target: { comparison: 'equals', value: 100 },
      baseline: delivered(naive.rollout),
      note: `lost: ${lost(ours.rollout)} of ${ours.rollout.contextsSent} (naive: ${lost(naive.rollout)} of ${naive.rollout.contextsSent})`,
    }),
    figure({
      id: 'stale-start.answers',
      figure: 5,
      name: 'Answers with fallback values after a new instance took traffic',
      value: ours.rollout.staleAnswers,
      unit: 'answers',
      target: { comparison: 'equals', value: 0 },
      baseline: naive.rollout.staleAnswers,
    }),
    figure({
      id: 'memory.idle',
      figure: 6,
      name: 'RSS per instance, idle (largest)',
      value: max(ours.idleRssMb),
      unit: 'MB',
      target: { comparison: 'atMost', value: 70 },
      baseline: max(naive.idleRssMb),
      note:
        `after ${(plan.idleSettleMs + plan.idleCpuMs) / 1000} s idle; median ${median(ours.idleRssMb).toFixed(1)} MB; ` +
        `right after start-up ${max(ours.startRssMb).toFixed(1)} MB (naive ${max(naive.startRssMb).toFixed(1)} MB)`,
    }),
    figure({
      id: 'memory.loaded',
      figure: 6,
      name: `RSS per instance after ${plan.loadMs / 1000} s of load (largest)`,
      value: max(ours.loadedRssMb),
      unit: 'MB',
      target: null,
      baseline: max(naive.loadedRssMb),
      note: `median ${median(ours.loadedRssMb).toFixed(1)} MB`,
    }),
    figure({
      id: 'cpu.idle',
      figure: 7,
      name: `Idle CPU per instance over ${plan.idleCpuMs / 1000} s (largest)`,
      value: max(ours.idleCpuPercent),
      unit: '%',
      target: { comparison: 'below', value: 1 },
      baseline: max(naive.idleCpuPercent),
      note: 'of one core, streams open',
    }),
    figure({
      id: 'start-up',
      figure: 8,
      name: 'pm2 start → every instance online (3 × 2)',
      value: headlineScaling ? median(headlineScaling.startMs) / 1000 : null,
      unit: 's',
      target: { comparison: 'atMost', value: 3 },
      baseline: median(naiveStarts) / 1000,
      note: `median of ${plan.startRepeats}; naive (1 × 2) is "online" before it has flags`,
      ...(headlineScaling ? {} : { error: 'the 2-per-service fleet did not start (see scaling)' }),
    }),
    ...scaling.flatMap((point) => {
      if (!('startMs' in point)) {
        return [
          figure({
            id: `scaling.${point.instances}.failed`,
            figure: 9,
            name: `Scaling, ${point.instances} per service`,
            value: null,
            unit: '',
            target: null,
            baseline: null,
            error: point.error,
          }),
        ];
      }
      return [
        figure({
          id: `scaling.${point.instances}.start-up`,
          figure: 9,
          name: `Start-up, ${point.instances} per service`,
          value: median(point.startMs) / 1000,
          unit: 's',
          target: null,
          baseline: null,
          note: `${3 * point.instances} instances, median of ${point.startMs.length}`,
        }),
        figure({
          id: `scaling.${point.instances}.rss`,
          figure: 9,
          name: `Idle RSS per instance, ${point.instances} per service (largest)`,
          value: max(point.idleRssMb),
          unit: 'MB',
          target: null,
          baseline: null,
          note: `after ${plan.idleSettleMs / 1000} s idle`,
        }),
        figure({
          id: `scaling.${point.instances}.propagation-p99`,
          figure: 9,
          name: `Propagation p99, ${point.instances} per service`,
          value: percentile(point.propagation.everyInstanceMs, 99),
          unit: 'ms',
          target: null,
          baseline: null,
          note: `to the ${point.instances} catalog instances; ${3 * point.instances} clients stream`,
        }),
      ];
    }),
  ];

  return {
    date: startedAt.toISOString(),
    mode: plan.mode,
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    machine: machineInfo(projectRoot),
    figures,
    series: {
      propagationMs: { ours: propagation.ours.perInstanceMs, naive: propagation.naive.perInstanceMs },
      losses: {
        ours: {
          failedRequests: ours.rollout.failed,
          lostEvents: lost(ours.rollout),
          staleAnswers: ours.rollout.staleAnswers,
        },
        naive: {
          failedRequests: naive.rollout.failed,
          lostEvents: lost(naive.rollout),
          staleAnswers: naive.rollout.staleAnswers,
        },
      },
    },
  };
}
