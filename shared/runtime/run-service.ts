import type { LDOptions } from '@launchdarkly/node-server-sdk';
import type Koa from 'koa';
import type { AddressInfo } from 'node:net';

import { fingerprintRunningBuild, type BuildFingerprint } from '../build';
import { startFlagClient, stopFlagClient, type FlagClient } from '../flags';
import type { AnyServiceManifest } from '../fleet';
import { requestListener, type AppState } from '../http';
import { createLifecycle, type Lifecycle } from '../lifecycle';
import { createLogger, createRequestScope, flushLogger, type Logger, type RequestScope } from '../logging';
import {
  createMetricsServer,
  createPrometheusMetrics,
  createRequestWindow,
  instanceProbes,
  observeAll,
  startPm2Metrics,
  type MetricsServer,
  type Pm2MetricsPublisher,
  type RequestObserver,
} from '../metrics';
import { isLeaveRequest } from '../ops';
import { createDrainingServer, type DrainingServer } from './draining-server';
import { createHostLeave, waitForCallees, type HostLeave } from './host-leave';
import { realProcess, type ProcessPort } from './process-port';
import { serviceBuildInputs } from './service-build';
import { loadServiceConfig, type ServiceConfig } from './service-config';
import { createShutdownSteps, type RegisterShutdownStep } from './shutdown-steps';
import { answerStatusQuery } from './status-responder';
import { assertSupportedNode } from './supported-node';
import { SHUTDOWN_MESSAGE, stopKindOfSignal, type StopKind } from './stop-kind';

/** What the runner hands to a service's `createApp`. */
export interface ServiceDependencies<M extends AnyServiceManifest = AnyServiceManifest> {
  readonly config: ServiceConfig<M>;
  readonly logger: Logger;
  readonly flags: FlagClient;
  readonly lifecycle: Lifecycle;
  readonly requestScope: RequestScope;
  readonly observeRequest: RequestObserver;
  /** `orders#1`: the service and its PM2 instance number. */
  readonly servedBy: string;
  /**
   * Registers something the service must close at shutdown (a pool, a client): run after the drain
   * (no request needs it any more) and before the flag flush, bounded (see ShutdownStepOptions).
   */
  readonly onShutdown: RegisterShutdownStep;
}

export interface ServiceDefinition<M extends AnyServiceManifest = AnyServiceManifest> {
  /** The service's manifest (services/<name>/service.ts). */
  readonly manifest: M;
  /** The fleet list, where the services it calls are found (their ports are its upstream defaults). */
  readonly fleet: readonly AnyServiceManifest[];
  /** Builds the Koa app; it must not listen: the runner owns the socket. */
  createApp(dependencies: ServiceDependencies<M>): Koa<AppState> | Promise<Koa<AppState>>;
}

export interface RunOptions {
  readonly process?: ProcessPort;
  /** Where log lines go (stdout by default). */
  readonly logSink?: NodeJS.WritableStream;
  /** SDK option overrides; tests use them to feed flags from TestData. */
  readonly flagOverrides?: LDOptions;
}

export interface ServiceHandle {
  /** Settles when start-up is over: serving, or failed and shutting down. */
  readonly started: Promise<void>;
  /** Resolves with the exit code once the instance has shut down. */
  readonly exited: Promise<number>;
  address(): AddressInfo | null;
  stop(reason: string, exitCode?: number): Promise<number>;
}

/**
 * The one start-up and shutdown sequence of every service.
 *
 * Start: config → logger and metrics → flag client (bounded wait) → app → listen (service port, then
 * metrics port) → `process.send('ready')` → the `LaunchDarkly client initialized` line. PM2 routes
 * traffic to a worker as soon as it listens, so flags come before listen; `ready` comes last because
 * PM2 retires the old worker on it.
 *
 * Stop (SIGINT from `pm2 reload`, SIGTERM from containers, or PM2's `shutdown` message from
 * `pm2 stop`/`delete`/`kill`; on a whole-host stop only (stop-kind.ts), `/readyz` first answers 503
 * while serving for DRAIN_DELAY_MS and until this host's callers are done (host-leave.ts);
 * once, however many arrive): `/readyz` turns 503 → stop accepting and drain connections → the
 * service's own shutdown steps → flush flag events, then close the client → close the metrics port →
 * flush the logger → exit. All within PM2's `kill_timeout`.
 *
 * Meanwhile it answers `npm run status` queries that PM2 relays (see ops/status-protocol).
 */
export function runService<M extends AnyServiceManifest>(
  definition: ServiceDefinition<M>,
  options: RunOptions = {},
): ServiceHandle {
  const { manifest } = definition;
  const proc = options.process ?? realProcess();
  const lifecycle = createLifecycle();
  const requestScope = createRequestScope();
  let config: ServiceConfig<M> | undefined;
  let logger: Logger | undefined;
  let server: DrainingServer | undefined;
  let metricsServer: MetricsServer | undefined;
  let pm2Metrics: Pm2MetricsPublisher | undefined;
  let flags: FlagClient | undefined;
  let build: BuildFingerprint | null = null;
  let shutdownSteps: ReturnType<typeof createShutdownSteps> | undefined;
  let stopping: Promise<number> | undefined;
  let hostLeave: HostLeave | undefined;
  /** Set when the stop is a whole-host stop of a serving instance: it leaves the load balancer first. */
  let leavesFirst = false;
  let exitCode = 0;
  // Not Promise.withResolvers (Node 22+): this runs before start() checks the Node.js version, and
  // must get that far on an end-of-life Node to refuse it with a message rather than a TypeError.
  let resolveExited: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExited = resolve));

  function stop(reason: string, code = 0, kind: StopKind = 'reload'): Promise<number> {
    exitCode = Math.max(exitCode, code);
    if (stopping) {
      logger?.warn('Already shutting down; ignoring', { reason });
      return stopping;
    }
    const phase = lifecycle.phase();
    leavesFirst = kind === 'host' && hostLeave !== undefined && (phase === 'serving' || phase === 'leaving');
    stopping = shutDown(reason);
    return stopping;
  }

  async function shutDown(reason: string): Promise<number> {
    if (leavesFirst) hostLeave?.leave();
    else lifecycle.enter('draining');
    // Every step below is bounded; this is the last resort should one still hang: exit on our own
    // terms just before PM2 would SIGKILL us.
    const lastResort = config
      ? setTimeout(() => finish(Math.max(exitCode, 1)), config.timings.killTimeoutMs - 500)
      : undefined;
    lastResort?.unref();
    try {
      if (config && logger) await drainCloseFlushAndLog(config, logger, reason);
    } catch (error) {
      exitCode = Math.max(exitCode, 1);
      await proc.writeError(`${manifest.name}: shutdown failed: ${String(error)}\n`);
    } finally {
      clearTimeout(lastResort);
    }
    return finish(exitCode);
  }

  async function drainCloseFlushAndLog(
    config: ServiceConfig<M>,
    logger: Logger,
    reason: string,
  ): Promise<void> {
    const { timings } = config;
    logger.info('Shutting down', { reason });
    pm2Metrics?.stop();
    if (leavesFirst && hostLeave) {
      const left = await hostLeave.beforeDrain();
      lifecycle.enter('draining');
      if (left.callers && !left.callers.reached) {
        logger.warn('Services that call this one still answer on this host; draining anyway', { ...left });
      } else {
        logger.info('Left the load balancer; draining', { ...left });
      }
    }
    if (server) {
      const report = await server.drain(timings);
      if (report.forcedConnections > 0) {
        logger.warn('Drain deadline reached; closed connections with requests still in flight', {
          ...report,
        });
      } else {
        logger.info('Connections drained', { ...report });
      }
    }
    if (shutdownSteps && !(await shutdownSteps.run(logger, timings.serviceStepsBudgetMs))) {
      exitCode = Math.max(exitCode, 1);
    }
    try {
      await stopFlagClient(timings.flagFlushTimeoutMs);
      logger.info('Flag events flushed; LaunchDarkly client closed');
    } catch (error) {
      logger.error('Could not flush flag events before closing the LaunchDarkly client', { error });
    }
    await metricsServer?.close();
    logger.info('Shutdown complete', { exitCode });
    await flushLogger(logger, timings.logFlushTimeoutMs);
  }

  function finish(code: number): number {
    proc.exit(code);
    resolveExited(code);
    return code;
  }

  async function start(): Promise<void> {
    try {
      assertSupportedNode();
      config = loadServiceConfig(proc.env, manifest, definition.fleet);
    } catch (error) {
      await proc.writeError(
        `${manifest.name}: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      await stop('invalid configuration', 1);
      return;
    }
    const log = createLogger({
      service: manifest.name,
      instance: config.instance,
      level: config.log.level,
      format: config.log.format,
      requestScope,
      sink: options.logSink,
    });
    logger = log;
    const steps = createShutdownSteps(config.timings.serviceStepsBudgetMs);
    shutdownSteps = steps;
    proc.onCrash((error, origin) => {
      log.error(`Crashed (${origin}); shutting down`, { error });
      void stop(origin, 1);
    });
    proc.onSignal('SIGINT', () => void stop('SIGINT', 0, stopKindOfSignal('SIGINT')));
    proc.onSignal('SIGTERM', () => void stop('SIGTERM', 0, stopKindOfSignal('SIGTERM')));
    const statusSources = {
      service: manifest.name,
      instance: config.instance,
      lifecycle,
      flags: () => flags,
      build: () => build,
    };
    proc.onMessage((message) => {
      if (message === SHUTDOWN_MESSAGE) void stop('shutdown message', 0, 'host');
      else if (isLeaveRequest(message)) {
        if (lifecycle.phase() === 'serving') {
          log.info('Leaving the load balancer: /readyz answers 503; still serving');
          hostLeave?.leave();
        }
      } else answerStatusQuery(proc, message, statusSources);
    });

    const flagState = () => flags?.state() ?? null;
    const prometheus = createPrometheusMetrics({
      service: manifest.name,
      instance: config.instance,
      flagState,
      flagEvaluations: () => flags?.evaluations,
    });
    const lastMinute = createRequestWindow();
    // About 10 ms, computed while the flag client starts (which takes longer unless flags come from the
    // local file); awaited before listening, so every status reply from a serving instance carries it.
    const fingerprinted = fingerprintRunningBuild(
      serviceBuildInputs(manifest, definition.fleet),
      proc.env,
    ).then(
      (fingerprint) => {
        build = fingerprint;
      },
      (error: unknown) =>
        log.warn('Could not compute the build fingerprint; a rollout will reload this instance', { error }),
    );
    // Meanwhile, and within the same bound: the services this one calls, on this host, up first.
    const callees = waitForCallees(config, config.launchDarkly.initTimeoutS * 1_000);
    const started = await startFlagClient({
      config: config.launchDarkly,
      logger: log,
      applicationId: `flagfleet-${manifest.name}`,
      overrides: options.flagOverrides,
    });
    flags = started.client;
    await fingerprinted;
    const calleesUp = await callees;
    if (!calleesUp.reached) {
      log.warn('Services this one calls do not answer on this host yet; serving anyway', { ...calleesUp });
    }
    if (stopping) return;

    try {
      const app = await definition.createApp({
        config,
        logger: log,
        flags: started.client,
        lifecycle,
        requestScope,
        observeRequest: observeAll(prometheus.observeRequest, lastMinute.record),
        servedBy: `${manifest.name}#${config.instance}`,
        onShutdown: steps.register,
      });
      if (stopping) return;
      server = createDrainingServer(requestListener(app));
      await server.listen(config.port, config.host.bindAddress);
      if (stopping) return;
      metricsServer = createMetricsServer(prometheus.registry);
      await metricsServer.listen(config.metricsPort, config.host.bindAddress);
    } catch (error) {
      log.error('Could not start serving', { error, port: config.port, metricsPort: config.metricsPort });
      await stop('start-up failure', 1);
      return;
    }
    if (stopping) return;

    hostLeave = createHostLeave(lifecycle, config);
    lifecycle.enter('serving');
    proc.send?.('ready');
    pm2Metrics = startPm2Metrics({
      send: proc.send,
      underPm2: proc.env.pm_id !== undefined,
      probes: () => instanceProbes(flagState(), lastMinute.summary()),
    });
    pm2Metrics.publish();
    const fields = {
      mode: started.client.mode,
      ms: started.durationMs,
      port: config.port,
      metricsPort: config.metricsPort,
      ...(config.host.bindAddress === undefined ? {} : { bindAddress: config.host.bindAddress }),
      // Last, so the line reads as before up to here (tools and tests match on it).
      serving: started.serving,
    };
    if (started.initialized) {
      log.info('LaunchDarkly client initialized', fields);
    } else if (started.serving === 'stored') {
      log.warn('LaunchDarkly client NOT initialized; serving stored flags, not live', {
        ...fields,
        reason: started.reason,
      });
    } else {
      log.warn('LaunchDarkly client NOT initialized', { ...fields, reason: started.reason });
    }
  }

  const started = start().catch(async (error: unknown) => {
    if (logger) logger.error('Start-up failed', { error });
    else await proc.writeError(`${manifest.name}: start-up failed: ${String(error)}\n`);
    await stop('start-up failure', 1);
  });

  return {
    started,
    exited,
    address: () => (server?.server.address() as AddressInfo | null) ?? null,
    stop,
  };
}
