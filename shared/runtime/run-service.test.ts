import { integrations, type LDOptions } from '@launchdarkly/node-server-sdk';
import Router from '@koa/router';
import http from 'node:http';

import { freePort } from '../../test/support/free-port';
import { startLaunchDarklyDouble, type LaunchDarklyDouble } from '../../test/support/launchdarkly-double';
import { captureJsonLines } from '../../test/support/log-capture';
import { flagClient, stopFlagClient } from '../flags';
import { createServiceApp, type AppState } from '../http';
import { fingerprintRunningBuild } from '../build';
import { fleet } from '../../services/fleet';
import { leaveRequest, statusQuery } from '../ops';
import type { CrashOrigin, ProcessPort, StopSignal } from './process-port';
import {
  runService,
  type ServiceDefinition,
  type ServiceDependencies,
  type ServiceHandle,
} from './run-service';
import { serviceBuildInputs } from './service-build';

const catalog = fleet.find((service) => service.name === 'catalog')!;

interface FakeProcess {
  readonly port: ProcessPort;
  readonly sent: unknown[];
  readonly exits: number[];
  readonly stderr: string[];
  signal(signal: StopSignal): void;
  message(message: unknown): void;
  crash(error: unknown, origin: CrashOrigin): void;
}

function fakeProcess(env: NodeJS.ProcessEnv, onSend?: (message: unknown) => void): FakeProcess {
  const signalListeners = new Map<StopSignal, Array<() => void>>();
  const messageListeners: Array<(message: unknown) => void> = [];
  const crashListeners: Array<(error: unknown, origin: CrashOrigin) => void> = [];
  const fake: FakeProcess = {
    sent: [],
    exits: [],
    stderr: [],
    port: {
      env,
      send: (message) => {
        fake.sent.push(message);
        onSend?.(message);
      },
      onSignal: (signal, listener) =>
        signalListeners.set(signal, [...(signalListeners.get(signal) ?? []), listener]),
      onMessage: (listener) => messageListeners.push(listener),
      onCrash: (listener) => crashListeners.push(listener),
      exit: (code) => fake.exits.push(code),
      writeError: async (text) => {
        fake.stderr.push(text);
      },
    },
    signal: (signal) => signalListeners.get(signal)?.forEach((listener) => listener()),
    message: (message) => messageListeners.forEach((listener) => listener(message)),
    crash: (error, origin) => crashListeners.forEach((listener) => listener(error, origin)),
  };
  return fake;
}

/** A catalog-shaped service whose `/slow` route answers when the test says so. */
function testService(
  gate?: Promise<void>,
  onStart: (dependencies: ServiceDependencies) => void = () => undefined,
): ServiceDefinition {
  return {
    manifest: catalog,
    fleet,
    createApp(dependencies) {
      onStart(dependencies);
      const router = new Router<AppState>();
      router.get('/slow', async (ctx) => {
        await gate;
        ctx.body = { done: true };
      });
      return createServiceApp(dependencies, router);
    },
  };
}

function get(port: number, path: string, agent?: http.Agent) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
          );
        })
        .on('error', reject);
    },
  );
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = http.get({ host: '127.0.0.1', port, path: '/livez', agent: false });
    socket.on('response', (response) => {
      response.resume();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function envFor(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return {
    CATALOG_PORT: String(await freePort()),
    CATALOG_METRICS_PORT: String(await freePort()),
    // The catalog's caller: a whole-host stop waits for its ports, so they are the test's own.
    GATEWAY_PORT: String(await freePort()),
    GATEWAY_METRICS_PORT: String(await freePort()),
    FLEET_INSTANCES: '1',
    LOG_FORMAT: 'json',
    LAUNCHDARKLY_INIT_TIMEOUT_S: '1',
    ...extra,
  };
}

function flagsFrom(testData: integrations.TestData): LDOptions {
  return { updateProcessor: testData.getFactory() };
}

const silentDataSource: LDOptions = {
  updateProcessor: () => ({ start: () => undefined, stop: () => undefined, close: () => undefined }),
};

/** Every service a test starts, so a failing test still leaves no server or client behind. */
const running: ServiceHandle[] = [];
/** Closed after the services, whose shutdown flushes events to them. */
const doubles: LaunchDarklyDouble[] = [];

function start(...args: Parameters<typeof runService>): ServiceHandle {
  const handle = runService(...args);
  running.push(handle);
  return handle;
}

interface Launched {
  readonly service: ServiceHandle;
  readonly proc: FakeProcess;
  readonly log: ReturnType<typeof captureJsonLines>;
  /** Lets the requests waiting on `/slow` finish. */
  release(): void;
}

/** Runs the test service with a fake process, captured JSON logs and TestData flags. */
function launch(
  env: NodeJS.ProcessEnv,
  {
    flags = flagsFrom(new integrations.TestData()),
    onSend,
    onStart,
  }: {
    flags?: LDOptions;
    onSend?: (message: unknown) => void;
    onStart?: (dependencies: ServiceDependencies) => void;
  } = {},
): Launched {
  const log = captureJsonLines();
  const proc = fakeProcess(env, onSend);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const service = start(testService(gate, onStart), {
    process: proc.port,
    logSink: log.sink,
    flagOverrides: flags,
  });
  return { service, proc, log, release: () => release() };
}

describe('runService', () => {
  afterEach(async () => {
    await Promise.all(running.splice(0).map((handle) => handle.stop('test cleanup')));
    await stopFlagClient(50).catch(() => undefined);
    await Promise.all(doubles.splice(0).map((double) => double.close()));
  });

  it('sends ready only once flags are initialised and the port is bound, then logs the init line', async () => {
    const env = await envFor();
    let stateAtReady: { listening: boolean; initialized: boolean } | undefined;
    const { service, proc, log } = launch(env, {
      onSend: () => {
        stateAtReady = {
          listening: service.address() !== null,
          initialized: flagClient().state().initialized,
        };
      },
    });
    await service.started;

    expect(proc.sent).toEqual(['ready']);
    expect(stateAtReady).toEqual({ listening: true, initialized: true });
    const initLine = log.lines().find((line) => line.msg === 'LaunchDarkly client initialized');
    expect(initLine).toMatchObject({
      level: 'info',
      service: 'catalog',
      instance: '0',
      pid: process.pid,
      mode: 'file',
    });
    expect(typeof initLine?.ms).toBe('number');
    const livez = await get(Number(env.CATALOG_PORT), '/livez');
    expect(livez.headers['x-served-by']).toBe('catalog#0');
  });

  it('when flags do not come in time, still serves, and the one init line says NOT initialized and why', async () => {
    const env = await envFor();
    const { service, proc, log } = launch(env, { flags: silentDataSource });
    await service.started;

    expect(proc.sent).toEqual(['ready']);
    const initLines = log.lines().filter((line) => String(line.msg).startsWith('LaunchDarkly client'));
    expect(initLines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'LaunchDarkly client NOT initialized',
        reason: expect.stringMatching(/no flag data within 1s.*SDK keeps retrying/),
      }),
    ]);
    const readyz = await get(Number(env.CATALOG_PORT), '/readyz');
    expect(readyz.status).toBe(200);
    expect(JSON.parse(readyz.body)).toMatchObject({ status: 'serving', flags: { initialized: false } });
  });

  it('on SIGINT: readyz 503, no new connections, in-flight requests finish with Connection: close, flush, close, exit 0', async () => {
    const env = await envFor();
    const port = Number(env.CATALOG_PORT);
    const { service, proc, log, release } = launch(env);
    await service.started;
    const calls: string[] = [];
    const { ld } = flagClient();
    const realFlush = ld.flush.bind(ld);
    jest.spyOn(ld, 'flush').mockImplementation(async (callback) => {
      calls.push('flush');
      return realFlush(callback);
    });
    jest.spyOn(ld, 'close').mockImplementation(() => calls.push('close'));

    const agent = new http.Agent({ keepAlive: true });
    const inFlight = get(port, '/slow', agent);
    await new Promise((resolve) => setTimeout(resolve, 50));
    proc.signal('SIGINT');

    expect(await canConnect(port)).toBe(false);
    expect(proc.exits).toEqual([]);
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe('close');

    expect(await service.exited).toBe(0);
    expect(proc.exits).toEqual([0]);
    expect(calls).toEqual(['flush', 'close']);
    expect(log.messages()).toEqual(
      expect.arrayContaining([
        'Shutting down',
        'Connections drained',
        'Flag events flushed; LaunchDarkly client closed',
      ]),
    );
    expect(log.messages().at(-1)).toBe('Shutdown complete');
    agent.destroy();
  });

  it("runs the service's own shutdown steps after the drain and before the flag flush, last registered first", async () => {
    const env = await envFor();
    const order: string[] = [];
    const { service, proc, log } = launch(env, {
      onStart({ onShutdown }) {
        onShutdown('close the pool', () => {
          order.push('pool');
        });
        onShutdown('close the client', async () => {
          order.push('client');
        });
      },
    });
    await service.started;
    proc.signal('SIGINT');

    expect(await service.exited).toBe(0);
    expect(order).toEqual(['client', 'pool']);
    const messages = log.messages();
    const drained = messages.indexOf('Connections drained');
    const steps = messages.flatMap((message, index) => (message === 'Shutdown step done' ? [index] : []));
    const flushed = messages.indexOf('Flag events flushed; LaunchDarkly client closed');
    expect(steps).toHaveLength(2);
    expect(drained).toBeLessThan(steps[0]!);
    expect(steps[1]!).toBeLessThan(flushed);
  });

  it('a shutdown step that fails or overruns is logged, the rest of the shutdown still runs, and the exit code is 1', async () => {
    const env = await envFor();
    const { service, proc, log } = launch(env, {
      onStart({ onShutdown }) {
        onShutdown('hangs', () => new Promise<void>(() => undefined), { timeoutMs: 50 });
        onShutdown('throws', () => {
          throw new Error('pool already closed');
        });
      },
    });
    await service.started;
    proc.signal('SIGINT');

    expect(await service.exited).toBe(1);
    expect(log.lines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'Shutdown step failed', step: 'throws' }),
        expect.objectContaining({
          msg: 'Shutdown step did not finish in time; going on without it',
          step: 'hangs',
        }),
        expect.objectContaining({ msg: 'Flag events flushed; LaunchDarkly client closed' }),
      ]),
    );
  });

  it('/readyz answers 503 as soon as draining starts', async () => {
    const env = await envFor();
    const port = Number(env.CATALOG_PORT);
    const { service, proc, release } = launch(env);
    await service.started;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(port, '/readyz', agent)).status).toBe(200);

    const slow = get(port, '/slow', new http.Agent({ keepAlive: true }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    proc.signal('SIGINT');
    const readyz = await get(port, '/readyz', agent);
    expect(readyz.status).toBe(503);
    expect(JSON.parse(readyz.body)).toMatchObject({ status: 'draining' });
    expect(readyz.headers.connection).toBe('close');

    release();
    await slow;
    expect(await service.exited).toBe(0);
    agent.destroy();
  });

  it('a second signal or PM2 shutdown message during the drain does not start a second shutdown', async () => {
    const env = await envFor();
    const { service, proc, log, release } = launch(env);
    await service.started;
    const flush = jest.spyOn(flagClient().ld, 'flush');
    const slow = get(Number(env.CATALOG_PORT), '/slow');
    await new Promise((resolve) => setTimeout(resolve, 50));

    proc.signal('SIGINT');
    proc.signal('SIGTERM');
    proc.message('shutdown');
    proc.signal('SIGINT');
    release();
    await slow;

    expect(await service.exited).toBe(0);
    expect(proc.exits).toEqual([0]);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(log.messages().filter((message) => message === 'Shutting down')).toHaveLength(1);
    expect(log.messages().filter((message) => message === 'Already shutting down; ignoring')).toHaveLength(3);
  });

  it('the PM2 shutdown message stops the instance like SIGINT', async () => {
    const env = await envFor();
    const { service, proc } = launch(env);
    await service.started;
    proc.message({ type: 'something else' });
    expect(proc.exits).toEqual([]);
    proc.message('shutdown');
    expect(await service.exited).toBe(0);
  });

  it('answers a status query relayed by PM2 with its own state, Node.js version and build fingerprint, and nothing secret', async () => {
    // An SDK key turns analytics events on; the relay endpoints keep them (and the diagnostic
    // event sent at init) on loopback instead of LaunchDarkly's own hosts.
    const double = await startLaunchDarklyDouble({ sdkKey: 'sdk-never-in-a-status-reply' });
    doubles.push(double);
    const env = await envFor({
      LAUNCHDARKLY_SDK_KEY: double.sdkKey,
      LAUNCHDARKLY_BASE_URI: double.url,
      LAUNCHDARKLY_STREAM_URI: double.url,
      LAUNCHDARKLY_EVENTS_URI: double.url,
    });
    const { service, proc } = launch(env);
    await service.started;

    proc.message(statusQuery('q-1'));

    expect(proc.sent.at(-1)).toEqual({
      type: 'process:msg',
      data: {
        topic: 'flagfleet:status-reply',
        queryId: 'q-1',
        status: {
          service: 'catalog',
          instance: '0',
          pid: process.pid,
          node: process.version,
          phase: 'serving',
          flags: expect.objectContaining({ mode: 'relay', initialized: true, lastError: null }),
          events: expect.objectContaining({ queued: 0, dropped: 0, failedFlushes: 0 }),
          build: await fingerprintRunningBuild(serviceBuildInputs(catalog, fleet), env),
        },
      },
    });
    expect(JSON.stringify(proc.sent)).not.toContain('sdk-never-in-a-status-reply');
  });

  it('serves its own /metrics on the metrics port, counting requests and flag evaluations, and closes it at shutdown', async () => {
    const env = await envFor();
    const { service } = launch(env);
    await service.started;
    await get(Number(env.CATALOG_PORT), '/livez');
    await flagClient().boolean('maintenance-mode', { kind: 'user', key: 'u' }, false);

    const metrics = await get(Number(env.CATALOG_METRICS_PORT), '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain(
      'http_request_duration_seconds_count{service="catalog",service_instance="0",method="GET",route="/livez",status="200"} 1',
    );
    expect(metrics.body).toContain(
      'flag_evaluations_total{flag="maintenance-mode",variation="none",service="catalog",service_instance="0"} 1',
    );
    expect(metrics.body).toContain('flag_client_initialized{service="catalog",service_instance="0"} 1');

    await service.stop('test');
    await expect(
      get(Number(env.CATALOG_METRICS_PORT), '/metrics', new http.Agent({ keepAlive: false })),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('publishes PM2 custom metrics (axm:monitor) only when it runs under PM2', async () => {
    const outside = launch(await envFor());
    await outside.service.started;
    expect(outside.proc.sent).toEqual(['ready']);
    await outside.service.stop('test');
    await stopFlagClient(50).catch(() => undefined);

    const underPm2 = launch(await envFor({ pm_id: '7' }));
    await underPm2.service.started;
    expect(underPm2.proc.sent).toEqual([
      'ready',
      {
        type: 'axm:monitor',
        data: expect.objectContaining({
          'Flags initialized': { value: 'yes' },
          'Requests, last min': { value: 0, unit: 'req/min' },
        }),
      },
    ]);
  });

  it('an uncaught exception is logged with its stack, then the instance stops gracefully with exit code 1', async () => {
    const env = await envFor();
    const { service, proc, log } = launch(env);
    await service.started;
    const flush = jest.spyOn(flagClient().ld, 'flush');

    proc.crash(new Error('kaboom'), 'uncaughtException');

    expect(await service.exited).toBe(1);
    expect(proc.exits).toEqual([1]);
    expect(flush).toHaveBeenCalledTimes(1);
    const crashLine = log.lines().find((line) => line.msg === 'Crashed (uncaughtException); shutting down');
    expect(crashLine).toMatchObject({ level: 'error', error: { message: 'kaboom' } });
    expect((crashLine?.error as { stack: string }).stack).toContain('run-service.test.ts');
  });

  it('an invalid variable stops start-up with a message naming it, exit 1 and no ready', async () => {
    const proc = fakeProcess({ CATALOG_PORT: 'eighty' });
    const service = start(testService(), { process: proc.port, logSink: captureJsonLines().sink });
    await service.started;

    expect(await service.exited).toBe(1);
    expect(proc.sent).toEqual([]);
    expect(proc.stderr.join('')).toMatch(
      /catalog: cannot start: Invalid configuration:\n {2}- CATALOG_PORT: /,
    );
  });

  it('on an end-of-life Node.js, start-up stops before anything starts, saying which Node it is and what to do, exit 1 and no ready', async () => {
    const env = await envFor();
    const proc = fakeProcess(env);
    const realVersion = Object.getOwnPropertyDescriptor(process, 'version')!;
    Object.defineProperty(process, 'version', { ...realVersion, value: 'v20.20.2' });
    let service: ServiceHandle;
    try {
      service = start(testService(), { process: proc.port, logSink: captureJsonLines().sink });
      await service.started;
    } finally {
      Object.defineProperty(process, 'version', realVersion);
    }

    expect(await service.exited).toBe(1);
    expect(proc.sent).toEqual([]);
    expect(service.address()).toBeNull();
    expect(proc.stderr.join('')).toMatch(
      /^catalog: cannot start: Node\.js v20\.20\.2 is end-of-life since 2026-04-30 .*Node\.js 22 or later/,
    );
  });

  it('an invalid variable: the message is written out before the exit, which would cut it off', async () => {
    const proc = fakeProcess({ CATALOG_PORT: 'eighty' });
    const steps: string[] = [];
    const slowStderr: ProcessPort = {
      ...proc.port,
      writeError: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        steps.push('written');
      },
      exit: (code) => steps.push(`exit ${code}`),
    };
    const service = start(testService(), { process: slowStderr, logSink: captureJsonLines().sink });

    expect(await service.exited).toBe(1);
    expect(steps).toEqual(['written', 'exit 1']);
  });

  it('a port already in use is logged and exits 1 without sending ready', async () => {
    const env = await envFor();
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(env.CATALOG_PORT), resolve));
    const { service, proc, log } = launch(env);

    expect(await service.exited).toBe(1);
    expect(proc.sent).toEqual([]);
    expect(log.lines().find((line) => line.msg === 'Could not start serving')).toMatchObject({
      error: { code: 'EADDRINUSE' },
    });
    await new Promise((resolve) => blocker.close(resolve));
  });
});

/** A listening server standing in for a caller's port; resolves with it once bound. */
async function listeningOn(port: number): Promise<http.Server> {
  const server = http.createServer((_request, response) => response.end('caller'));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('runService on a whole-host stop', () => {
  afterEach(async () => {
    await Promise.all(running.splice(0).map((handle) => handle.stop('test cleanup')));
    await stopFlagClient(50).catch(() => undefined);
  });

  it.each([
    ['SIGTERM', (proc: FakeProcess) => proc.signal('SIGTERM')],
    ['the PM2 shutdown message', (proc: FakeProcess) => proc.message('shutdown')],
  ])(
    'on %s: /readyz answers 503 "leaving" while new requests are still served, for DRAIN_DELAY_MS, then drains',
    async (_name, stopIt) => {
      const env = await envFor({ DRAIN_DELAY_MS: '1500' });
      const port = Number(env.CATALOG_PORT);
      const { service, proc, log } = launch(env);
      await service.started;

      stopIt(proc);
      const readyz = await get(port, '/readyz', new http.Agent({ keepAlive: true }));
      expect(readyz.status).toBe(503);
      expect(JSON.parse(readyz.body)).toMatchObject({ status: 'leaving' });
      expect(readyz.headers.connection).not.toBe('close');
      // A new connection is still accepted and served: the balancer has not noticed yet.
      expect((await get(port, '/livez')).status).toBe(200);

      expect(await service.exited).toBe(0);
      const left = log.lines().find((line) => line.msg === 'Left the load balancer; draining');
      expect(left?.leftForMs).toBeGreaterThanOrEqual(1500);
      expect(log.messages().indexOf('Left the load balancer; draining')).toBeLessThan(
        log.messages().indexOf('Connections drained'),
      );
    },
  );

  it('a reload (SIGINT to the old worker) drains at once: no drain delay, no wait for callers', async () => {
    // Jest's 5 s test timeout is the proof: either wait would take 60 s here.
    const env = await envFor({ DRAIN_DELAY_MS: '60000' });
    const caller = await listeningOn(Number(env.GATEWAY_PORT));
    const { service, proc, log } = launch(env);
    await service.started;

    proc.signal('SIGINT');
    expect(await service.exited).toBe(0);
    expect(log.messages()).not.toContain('Left the load balancer; draining');
    await close(caller);
  });

  it('after a leave request it answers /readyz 503 and keeps serving; the stop then waits only the rest of the delay', async () => {
    const env = await envFor({ DRAIN_DELAY_MS: '1000' });
    const port = Number(env.CATALOG_PORT);
    const { service, proc, log } = launch(env);
    await service.started;

    proc.message(leaveRequest());
    const readyz = await get(port, '/readyz');
    expect(readyz.status).toBe(503);
    expect(JSON.parse(readyz.body)).toMatchObject({ status: 'leaving' });
    expect((await get(port, '/livez')).status).toBe(200);
    expect(proc.exits).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    proc.message('shutdown');
    expect(await service.exited).toBe(0);
    const left = log.lines().find((line) => line.msg === 'Left the load balancer; draining');
    expect(left?.leftForMs).toBeGreaterThanOrEqual(1000);
  });

  it('a callee keeps serving until every caller port on its host is closed, then drains', async () => {
    const env = await envFor();
    const port = Number(env.CATALOG_PORT);
    const callerPort = await listeningOn(Number(env.GATEWAY_PORT));
    const callerMetrics = await listeningOn(Number(env.GATEWAY_METRICS_PORT));
    const { service, proc, log } = launch(env);
    await service.started;

    proc.signal('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await get(port, '/livez')).status).toBe(200);
    expect(JSON.parse((await get(port, '/readyz')).body)).toMatchObject({ status: 'leaving' });

    await close(callerPort);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The caller instance's metrics port is still open: it may still have requests in flight.
    expect((await get(port, '/livez')).status).toBe(200);
    expect(proc.exits).toEqual([]);

    await close(callerMetrics);
    expect(await service.exited).toBe(0);
    const left = log.lines().find((line) => line.msg === 'Left the load balancer; draining');
    expect(left?.callers).toMatchObject({ reached: true });
  });
});
