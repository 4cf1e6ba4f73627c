import { findProjectRoot } from '../shared/config';
import { startLaunchDarklyDouble } from '../test/support/launchdarkly-double';
import { DOUBLE_SDK_KEY, fleetFlags } from '../test/support/fleet-flags';
import { runLoad } from '../test/support/load-client';
import type { BenchPlan } from './bench-plan';
import { withSession, type Session, type Variant } from './fleet-session';
import { measureColdStartFallbacks } from './measure/cold-start-fallbacks';
import { measureEvaluationCost } from './measure/evaluation-cost';
import { measureFlagLayerCost } from './measure/flag-layer-cost';
import { measureInstructionCount } from './measure/instruction-count';
import { measureMultiHost } from './measure/multi-host';
import { fleetNodeArgs, nodeRuntime, type NodeRuntime } from './measure/node-runtime';
import { cpuPercentOver, memoryBreakdown, processUsage } from './measure/process-usage';
import { measurePropagation, type PropagationResult } from './measure/propagation';
import { measureRolloutUnderLoad } from './measure/rollout-under-load';
import { measureStackFloorMb } from './measure/stack-floor';
import type { FlagLayerOnNode, Measurements, ScalingPoint, SideFigures } from './measurements';
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
    const idleMemory = await Promise.all(
      (await session.fleet.list()).map((instance) => memoryBreakdown(instance.pid)),
    );
    const idlePrivateMb = idleMemory.map((memory) => memory.privateBytes / MB);
    const idleSharedMb = idleMemory.map((memory) => memory.sharedBytes / MB);
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
    return { startRssMb, idleRssMb, idlePrivateMb, idleSharedMb, idleCpuPercent, loadedRssMb, rollout };
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

/** The options that cap V8's young generation (see ecosystem.config.js): left out for the comparison run. */
const YOUNG_GENERATION_CAP = /^--max-semi-space-size(=|$)/;

type TimedFlagLayer = Omit<FlagLayerOnNode, 'instructions'>;

/** Figure 2 on one Node.js, the timed part: per evaluation, and throughput real ÷ constants. */
async function measureFlagLayerOn(
  runtime: NodeRuntime,
  plan: BenchPlan,
  eventsUrl: string,
  progress: Progress,
): Promise<TimedFlagLayer> {
  progress(`flag layer on ${runtimeName(runtime)}: ns per evaluation, ours versus the raw SDK call`);
  const evaluation = await measureEvaluationCost({
    runtime,
    eventsUrl,
    rounds: plan.evaluationRounds,
    iterations: plan.evaluationIterations,
  });
  progress(`flag layer on ${runtimeName(runtime)}: catalog throughput with the real client versus constants`);
  const flagLayer = await measureFlagLayerCost({
    runtime,
    eventsUrl,
    rounds: plan.throughputRounds,
    roundMs: plan.throughputRoundMs,
    warmUpMs: plan.throughputWarmUpMs,
    concurrency: plan.throughputConcurrency,
  });
  return { runtime: { version: runtime.version, execArgv: [...runtime.execArgv] }, evaluation, flagLayer };
}

const runtimeName = (runtime: NodeRuntime) =>
  `Node.js ${runtime.version}${runtime.execArgv.length ? ` ${runtime.execArgv.join(' ')}` : ''}`;

/**
 * Figure 2, instructions per request on every runtime, one runtime at a time: a count leaves out other
 * processes, but not the timer work of its own process, which grows when runs share the cores.
 */
async function countInstructions(
  runtimes: readonly NodeRuntime[],
  plan: BenchPlan,
  eventsUrl: string,
): Promise<FlagLayerOnNode['instructions'][]> {
  const counts: FlagLayerOnNode['instructions'][] = [];
  for (const runtime of runtimes) {
    counts.push(
      await measureInstructionCount({
        runtime,
        eventsUrl,
        warmUpRequests: plan.instructionWarmUpRequests,
        requests: plan.instructionRequests,
      }).catch((error: unknown) => ({
        // No valgrind, or a Node.js it cannot run: the other figures still count.
        error: (error instanceof Error ? error.message : String(error)).slice(0, 300),
      })),
    );
  }
  return counts;
}

/**
 * Every figure of the issue, ours beside the naive baseline where it applies. `otherNodes`: more
 * Node.js binaries to measure the flag layer on (figure 2), beside the one running the benchmark.
 */
/**
 * Figure `cold-start-fallbacks`: the fleet (2 per service) cold-started while LaunchDarkly is down, with
 * the Redis flag store and without.
 */
async function measureColdStarts(plan: BenchPlan, progress: Progress): Promise<Measurements['coldStart']> {
  const measure = async (withRedis: boolean) => {
    const result = await measureColdStartFallbacks({
      withRedis,
      instances: 2,
      requests: plan.coldStartRequests,
      maxLoadMs: 60_000,
    });
    progress(
      `cold start while LaunchDarkly is down, ${withRedis ? 'with' : 'without'} Redis: ` +
        `${result.fallbackAnswers} fallback answers of ${result.requests}, ${result.failed} failed`,
    );
    return result;
  };
  return { withRedis: await measure(true), withoutRedis: await measure(false) };
}

export async function runBench(
  plan: BenchPlan,
  progress: Progress,
  otherNodes: readonly string[] = [],
): Promise<BenchResult> {
  const startedAt = new Date();
  const projectRoot = findProjectRoot(__dirname);
  const fleetArgs = fleetNodeArgs(projectRoot);
  const uncapped = fleetArgs.filter((arg) => !YOUNG_GENERATION_CAP.test(arg));
  const runtimes = [
    nodeRuntime(process.execPath, fleetArgs),
    // What the fleet's young-generation cap costs in throughput, beside what it saves in memory.
    ...(uncapped.length < fleetArgs.length ? [nodeRuntime(process.execPath, uncapped)] : []),
    ...otherNodes.map((execPath) => nodeRuntime(execPath, fleetArgs)),
  ];

  // In-process measurements first, while nothing else runs.
  const eventsDouble = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
  const flagLayerOn: FlagLayerOnNode[] = [];
  try {
    const timed: TimedFlagLayer[] = [];
    for (const runtime of runtimes)
      timed.push(await measureFlagLayerOn(runtime, plan, eventsDouble.url, progress));
    progress(`flag layer: instructions per request under callgrind, ${runtimes.map(runtimeName).join('; ')}`);
    const counts = await countInstructions(runtimes, plan, eventsDouble.url);
    timed.forEach((entry, index) => flagLayerOn.push({ ...entry, instructions: counts[index]! }));
  } finally {
    await eventsDouble.close();
  }
  const [{ evaluation, flagLayer, instructions }, ...otherRuntimes] = flagLayerOn as [
    FlagLayerOnNode,
    ...FlagLayerOnNode[],
  ];

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
  progress('memory: the stack alone (Koa, @koa/router, winston, the SDK offline), idle');
  const stackFloorIdleRssMb = await measureStackFloorMb(
    runtimes[0]!,
    plan.idleSettleMs + plan.idleCpuMs,
  ).catch((error: unknown) => ({
    error: (error instanceof Error ? error.message : String(error)).slice(0, 300),
  }));
  progress('start-up: naive baseline');
  const naiveStarts = await naiveStartMs(plan);
  const scaling = await measureScaling(plan, progress);
  const coldStart = await measureColdStarts(plan, progress);
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
  const measurements: Measurements = {
    evaluation,
    flagLayer,
    instructions,
    otherRuntimes,
    fleetNodeArgs: fleetArgs,
    propagation,
    sides,
    stackFloorIdleRssMb,
    naiveStarts,
    scaling,
    coldStart,
  };
  return {
    date: startedAt.toISOString(),
    mode: plan.mode,
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    machine: machineInfo(projectRoot),
    figures: [...figuresFrom(plan, measurements), ...multiHostFigures(multiHost, plan.multiHostInstances)],
    series: seriesFrom(measurements),
  };
}
