import type { BenchPlan } from '../bench-plan';
import type { PropagationResult } from '../measure/propagation';
import type { RolloutResult } from '../measure/rollout-under-load';
import type { InstructionCountResult } from '../measure/instruction-count';
import type { FlagLayerOnNode, Measurements, ScalingPoint } from '../measurements';
import { median, percentile } from '../stats';
import { figure, type BenchSeries, type FigureEntry } from './bench-result';

const max = (values: readonly number[]) => Math.max(...values);
const lost = (rollout: RolloutResult) => rollout.contextsSent - rollout.contextsDelivered;

const THROUGHPUT_TARGET = { comparison: 'atLeast', value: 0.95 } as const;
const kilo = (instructions: number) => `${Math.round(instructions / 1000)}k`;

/** The instruction figures of figure 2 (`id` `flag-layer[.<runtime>].instructions…`), or why they are missing. */
function instructionFigures(
  idPrefix: string,
  suffix: string,
  instructions: InstructionCountResult | { readonly error: string },
): FigureEntry[] {
  const failed = 'error' in instructions ? instructions.error : undefined;
  const counted = 'error' in instructions ? undefined : instructions;
  return [
    figure({
      id: `${idPrefix}.instructions-ratio`,
      figure: 2,
      name: `Instructions per request, constants ÷ real client${suffix}`,
      value: counted?.ratio ?? null,
      unit: '×',
      target: THROUGHPUT_TARGET,
      baseline: null,
      note: counted
        ? `callgrind, catalog app, one request at a time: real client ${kilo(counted.real)}, constants ${kilo(counted.stub)}`
        : 'callgrind',
      ...(failed ? { error: failed } : {}),
    }),
    figure({
      id: `${idPrefix}.instructions-real`,
      figure: 2,
      name: `Instructions per request, real client${suffix}`,
      value: counted ? counted.real / 1000 : null,
      unit: 'k',
      target: null,
      baseline: null,
      note: counted ? `constants: ${kilo(counted.stub)}` : 'callgrind',
      ...(failed ? { error: failed } : {}),
    }),
  ];
}

/** Figure 2 on another runtime: a Node.js given with --node, or the fleet's without its young-generation cap. */
function otherRuntimeFigures(onNode: FlagLayerOnNode, fleetNodeArgs: readonly string[]): FigureEntry[] {
  const { version, execArgv } = onNode.runtime;
  const left = fleetNodeArgs.filter((arg) => !execArgv.includes(arg));
  const label = left.length ? `${version} without ${left.join(' ')}` : version;
  const idPrefix = `flag-layer.${version.split('.')[0]}${left.length ? '-uncapped' : ''}`;
  return [
    figure({
      id: `${idPrefix}.throughput-ratio`,
      figure: 2,
      name: `Throughput, real client ÷ constants, Node.js ${label}`,
      value: onNode.flagLayer.throughputRatio,
      unit: '×',
      target: THROUGHPUT_TARGET,
      baseline: null,
      note:
        `server CPU per request ${onNode.flagLayer.realCpuUsPerRequest.toFixed(0)} µs, constants ` +
        `${onNode.flagLayer.stubCpuUsPerRequest.toFixed(0)} µs`,
    }),
    ...instructionFigures(idPrefix, `, Node.js ${label}`, onNode.instructions),
    figure({
      id: `${idPrefix}.evaluation-ns`,
      figure: 2,
      name: `Evaluation through our layer, Node.js ${label}`,
      value: onNode.evaluation.oursNs,
      unit: 'ns',
      target: null,
      baseline: null,
      note: `raw SDK variation(): ${Math.round(onNode.evaluation.rawNs)} ns`,
    }),
  ];
}

/** Every figure of the issue from one run's measurements, ours beside the naive baseline where it applies. */
export function figuresFrom(plan: BenchPlan, measurements: Measurements): FigureEntry[] {
  const {
    evaluation,
    flagLayer,
    instructions,
    propagation,
    sides,
    stackFloorIdleRssMb: stackFloor,
    naiveStarts,
    scaling,
    coldStart,
  } = measurements;
  const { ours, naive } = sides;
  const measured = (point: ScalingPoint | undefined) => (point && 'startMs' in point ? point : undefined);
  const headlineScaling = measured(scaling.find((point) => point.instances === 2));
  const delivered = (rollout: RolloutResult) =>
    rollout.contextsSent === 0 ? 0 : (100 * rollout.contextsDelivered) / rollout.contextsSent;
  const p = (result: PropagationResult, rank: number) => percentile(result.everyInstanceMs, rank);
  const instancesNote = `${plan.propagationInstances} instances, ${plan.propagationChanges} changes`;

  return [
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
      target: THROUGHPUT_TARGET,
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
    ...instructionFigures('flag-layer', '', instructions),
    ...measurements.otherRuntimes.flatMap((onNode) =>
      otherRuntimeFigures(onNode, measurements.fleetNodeArgs),
    ),
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
      id: 'memory.idle-private',
      figure: 6,
      name: 'Private memory per instance, idle (largest)',
      value: max(ours.idlePrivateMb),
      unit: 'MB',
      target: null,
      baseline: max(naive.idlePrivateMb),
      note:
        `the same moment: RSS less the file pages instances share (node binary, libraries: ` +
        `${median(ours.idleSharedMb).toFixed(1)} MB, median)`,
    }),
    figure({
      id: 'memory.stack-floor',
      figure: 6,
      name: 'RSS of the stack alone, idle',
      value: typeof stackFloor === 'number' ? stackFloor : null,
      unit: 'MB',
      target: null,
      baseline: null,
      ...(typeof stackFloor === 'number' ? {} : { error: stackFloor.error }),
      note:
        `Koa + @koa/router + winston + the SDK offline, nothing of ours, the fleet's node options, after ` +
        `${(plan.idleSettleMs + plan.idleCpuMs) / 1000} s idle: the floor under the target above`,
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
    // Numbered after main's last figure; its id, not its number, is what other tools key on (the
    // multi-host section, developed beside it, may take the same number: renumber on merge).
    figure({
      id: 'cold-start-fallbacks',
      figure: 10,
      name: 'Fallback answers, host cold-started while LaunchDarkly is down, with Redis',
      value: coldStart.withRedis.fallbackAnswers,
      unit: 'answers',
      target: { comparison: 'equals', value: 0 },
      // "Baseline" here is the same fleet without the Redis flag store, not the naive integration.
      baseline: coldStart.withoutRedis.fallbackAnswers,
      note:
        `of ${coldStart.withRedis.requests} gateway requests (${coldStart.withRedis.failed} failed); ` +
        `baseline column: without Redis, of ${coldStart.withoutRedis.requests} (${coldStart.withoutRedis.failed} failed)`,
    }),
  ];
}

/** The samples the chart is drawn from. */
export function seriesFrom({ propagation, sides: { ours, naive } }: Measurements): BenchSeries {
  return {
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
  };
}
