import { findProjectRoot } from '../shared/config';
import { startLaunchDarklyDouble } from '../test/support/launchdarkly-double';
import { DOUBLE_SDK_KEY, fleetFlags } from '../test/support/fleet-flags';
import { runLoad } from '../test/support/load-client';
import type { BenchPlan } from './bench-plan';
import { withSession, type Session, type Variant } from './fleet-session';
import { measureEvaluationCost } from './measure/evaluation-cost';
import { measureFlagLayerCost } from './measure/flag-layer-cost';
import { measureMultiHost } from './measure/multi-host';
import { cpuPercentOver, processUsage } from './measure/process-usage';
import { measurePropagation, type PropagationResult } from './measure/propagation';
import { measureRolloutUnderLoad } from './measure/rollout-under-load';
import type { Measurements, ScalingPoint, SideFigures } from './measurements';
import type { BenchResult } from './report/bench-result';
import { figuresFrom, seriesFrom } from './report/figures';
import { machineInfo } from './report/machine-info';
import { multiHostFigures } from './report/multi-host-figures';
import { median, percentile, sleep } from './stats';
import { loadsFor } from './variant-loads';

export type Progress = (message: string) => void;

const MB = 1024 * 1024;

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
  const multiHost = await measureMultiHost(
    {
      instances: plan.multiHostInstances,
      settleMs: plan.multiHostSettleMs,
      propagationChanges: plan.multiHostPropagationChanges,
    },
    progress,
  ).catch((error: unknown) => ({
    error: (error instanceof Error ? error.message : String(error)).slice(0, 300),
  }));
  const measurements: Measurements = { evaluation, flagLayer, propagation, sides, naiveStarts, scaling };
  return {
    date: startedAt.toISOString(),
    mode: plan.mode,
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    machine: machineInfo(projectRoot),
    figures: [...figuresFrom(plan, measurements), ...multiHostFigures(multiHost, plan.multiHostInstances)],
    series: seriesFrom(measurements),
  };
}
