import { spawn, type ChildProcess } from 'node:child_process';

import type { CanaryRequest } from '../../shared/fleet';
import { errorText, requestOnce, sleep, type InstanceAddress } from './http-request';
import { OutputTail } from './output-tail';
import { acceptable, judgeReadiness, type Readiness } from './readiness';

/** How to start one canary: the file and arguments PM2 would run, on a spare port. */
export interface CanaryPlan {
  readonly service: string;
  /** The request it must answer without a 5xx, beyond `/readyz` (its manifest's `canary`). */
  readonly request: CanaryRequest;
  readonly script: string;
  readonly cwd: string;
  readonly nodeArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Where it listens: the host's own address (BIND_ADDRESS) and a spare port. */
  readonly at: InstanceAddress;
}

export interface CanaryLimits {
  /** From spawn until `/readyz` must have answered 200. */
  readonly readyTimeoutMs: number;
  /** How long it must then stay up and ready. */
  readonly settleMs: number;
  /** From SIGINT until it must have exited (then SIGKILL). */
  readonly stopTimeoutMs: number;
  readonly allowDegraded: boolean;
  /** Aborting stops the canary at once (the operator pressed Ctrl-C). */
  readonly signal?: AbortSignal;
}

export interface CanaryResult {
  readonly service: string;
  readonly ok: boolean;
  /** One line: what it did, or why it was refused. */
  readonly summary: string;
  /** The canary's last output lines, for a refusal. */
  readonly output: string;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

function describeExit(exit: Exit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

class CanaryRefused extends Error {}

/**
 * Starts the new build of one service as a plain child process (outside PM2, so no PM2 restart
 * can hide a crash and nothing is left in the daemon), requires `/readyz` 200 with flags
 * initialised (or serving, when degraded starts are allowed) within the bound, one real request
 * without a 5xx, and the same after `settleMs`; then always stops it with SIGINT and requires a
 * clean exit, as `pm2 reload` will require of the new workers later.
 */
export async function runCanary(plan: CanaryPlan, limits: CanaryLimits): Promise<CanaryResult> {
  const tail = new OutputTail();
  const child = spawn(process.execPath, [...plan.nodeArgs, plan.script], {
    cwd: plan.cwd,
    env: plan.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => tail.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => tail.push(chunk));
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (error) => tail.push(`spawn failed: ${error.message}\n`));
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const result = (ok: boolean, summary: string): CanaryResult => ({
    service: plan.service,
    ok,
    summary,
    output: tail.text(),
  });

  let verdict: CanaryResult;
  try {
    const readiness = await untilReady(plan, limits, () => exit);
    await smokeTest(plan, () => exit);
    await sleep(limits.settleMs);
    if (exit) throw new CanaryRefused(`${describeExit(exit)} within ${limits.settleMs} ms of being ready`);
    const again = await untilReady(plan, { ...limits, readyTimeoutMs: 5_000 }, () => exit);
    const degraded = [readiness, again].find((state) => state.verdict === 'degraded');
    verdict = result(
      true,
      degraded?.verdict === 'degraded'
        ? `ready but DEGRADED (allowed): ${degraded.reason}`
        : 'ready with flags initialised',
    );
  } catch (error) {
    verdict = result(false, error instanceof CanaryRefused ? error.message : errorText(error));
  }

  const stopProblem = await stop(child, exited, () => exit, limits.stopTimeoutMs);
  if (verdict.ok && stopProblem) return result(false, stopProblem);
  return { ...verdict, output: tail.text() };
}

async function untilReady(
  plan: CanaryPlan,
  limits: CanaryLimits,
  exitOf: () => Exit | undefined,
): Promise<Readiness> {
  const deadline = Date.now() + limits.readyTimeoutMs;
  let last = 'no answer yet';
  for (;;) {
    if (limits.signal?.aborted) throw new CanaryRefused('interrupted');
    const exit = exitOf();
    if (exit) throw new CanaryRefused(`${describeExit(exit)} before it was ready (it crashes at start)`);
    try {
      // eslint-disable-next-line no-await-in-loop -- polling: one question at a time
      const readiness = judgeReadiness(await requestOnce(plan.at, { path: '/readyz' }));
      if (readiness.verdict === 'failed') throw new CanaryRefused(readiness.reason);
      if (acceptable(readiness, limits.allowDegraded)) return readiness;
      last = readiness.verdict === 'degraded' ? readiness.reason : '/readyz answered 503 starting';
      // Flags that did not initialise within the SDK's wait will not be in by waiting here either.
      if (readiness.verdict === 'degraded') {
        throw new CanaryRefused(`${last}; degraded starts are not allowed (--allow-degraded)`);
      }
    } catch (error) {
      if (error instanceof CanaryRefused) throw error;
      last = errorText(error);
    }
    if (Date.now() >= deadline) {
      throw new CanaryRefused(
        `did not answer /readyz 200 within ${Math.round(limits.readyTimeoutMs / 1000)} s (it hangs; last: ${last})`,
      );
    }
    // eslint-disable-next-line no-await-in-loop -- polling interval
    await sleep(250);
  }
}

async function smokeTest(plan: CanaryPlan, exitOf: () => Exit | undefined): Promise<void> {
  const spec = plan.request;
  const what = `${spec.method ?? 'GET'} ${spec.path}`;
  let reply;
  try {
    reply = await requestOnce(plan.at, spec, 10_000);
  } catch (error) {
    const exit = exitOf();
    throw new CanaryRefused(`${what} failed: ${exit ? describeExit(exit) : errorText(error)}`);
  }
  if (reply.status >= 500) {
    throw new CanaryRefused(`${what} answered ${reply.status}: ${reply.text.slice(0, 200)}`);
  }
}

/** SIGINT, then wait; SIGKILL if it outlives `timeoutMs`. Returns what was wrong with its exit, if anything. */
async function stop(
  child: ChildProcess,
  exited: Promise<Exit>,
  exitOf: () => Exit | undefined,
  timeoutMs: number,
): Promise<string | undefined> {
  if (!exitOf()) child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await exited;
    return `did not exit within ${Math.round(timeoutMs / 1000)} s of SIGINT (PM2 would SIGKILL it on every reload)`;
  }
  if (outcome.code !== 0) return `shut down badly after SIGINT: ${describeExit(outcome)}`;
  return undefined;
}
