import { runLoad } from '../../test/support/load-client';
import { median, percentile } from '../stats';
import { forkUntilMessage, type ForkedScript } from './forked-script';
import { catalogRequest, type NodeRuntime } from './node-runtime';
import { processUsage } from './process-usage';

export type FlagLayerVariant = 'real' | 'stub';

export interface ThroughputSample {
  readonly variant: FlagLayerVariant;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  /** The server's own CPU time per answered request: what the request costs, whoever limits throughput. */
  readonly cpuUsPerRequest: number;
  readonly failed: number;
}

export interface FlagLayerCostOptions {
  readonly runtime: NodeRuntime;
  /** Where the real client sends its analytics events (the double). */
  readonly eventsUrl: string;
  /** Rounds per variant, taken in turns (real, stub, real, stub…) so drift hits both alike. */
  readonly rounds: number;
  readonly roundMs: number;
  readonly warmUpMs: number;
  readonly concurrency: number;
}

export interface FlagLayerCostResult {
  readonly samples: ThroughputSample[];
  /** Median real throughput over median stub throughput. */
  readonly throughputRatio: number;
  readonly realP99Ms: number;
  readonly stubP99Ms: number;
  readonly realCpuUsPerRequest: number;
  readonly stubCpuUsPerRequest: number;
}

interface RunningServer extends ForkedScript<{ port: number }> {
  readonly baseUrl: string;
}

async function startServer(
  variant: FlagLayerVariant,
  eventsUrl: string,
  runtime: NodeRuntime,
): Promise<RunningServer> {
  const server = await forkUntilMessage<{ port: number }>(
    'catalog-server',
    [variant, eventsUrl],
    `the ${variant} catalog server on Node.js ${runtime.version}`,
    runtime,
  );
  return { ...server, baseUrl: `http://127.0.0.1:${server.message.port}` };
}

async function stopServer(server: RunningServer): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

/**
 * Figure 2 (throughput): the catalog app with the real flag client and with constants, each in its
 * own process (one core) while this process generates keep-alive load (the other core).
 */
export async function measureFlagLayerCost(options: FlagLayerCostOptions): Promise<FlagLayerCostResult> {
  const samples: ThroughputSample[] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    for (const variant of ['real', 'stub'] as const) {
      const server = await startServer(variant, options.eventsUrl, options.runtime);
      try {
        await runLoad({
          baseUrl: server.baseUrl,
          concurrency: options.concurrency,
          durationMs: options.warmUpMs,
          request: catalogRequest,
        });
        const before = await processUsage(server.pid);
        const summary = await runLoad({
          baseUrl: server.baseUrl,
          concurrency: options.concurrency,
          durationMs: options.roundMs,
          request: catalogRequest,
        });
        const after = await processUsage(server.pid);
        samples.push({
          variant,
          cpuUsPerRequest: ((after.cpuMs - before.cpuMs) * 1000) / Math.max(1, summary.ok),
          requestsPerSecond: (summary.ok * 1000) / summary.durationMs,
          p99Ms: percentile(
            summary.records.map((record) => record.latencyMs),
            99,
          ),
          failed: summary.failed,
        });
      } finally {
        await stopServer(server);
      }
    }
  }
  const of = (variant: FlagLayerVariant) => samples.filter((sample) => sample.variant === variant);
  const real = of('real');
  const stub = of('stub');
  return {
    samples,
    throughputRatio:
      median(real.map((sample) => sample.requestsPerSecond)) /
      median(stub.map((sample) => sample.requestsPerSecond)),
    realP99Ms: median(real.map((sample) => sample.p99Ms)),
    stubP99Ms: median(stub.map((sample) => sample.p99Ms)),
    realCpuUsPerRequest: median(real.map((sample) => sample.cpuUsPerRequest)),
    stubCpuUsPerRequest: median(stub.map((sample) => sample.cpuUsPerRequest)),
  };
}
