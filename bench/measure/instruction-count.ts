import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { runLoad } from '../../test/support/load-client';
import type { FlagLayerVariant } from './flag-layer-cost';
import { catalogRequest, type NodeRuntime } from './node-runtime';

const run = promisify(execFile);

export interface InstructionCountOptions {
  readonly runtime: NodeRuntime;
  readonly eventsUrl: string;
  /** Requests before counting starts: start-up, JIT warm-up and the first events flush stay out. */
  readonly warmUpRequests: number;
  readonly requests: number;
}

export interface InstructionCountResult {
  /** CPU instructions per request, all threads of the server process (V8's GC and compiler threads too). */
  readonly real: number;
  readonly stub: number;
  /** stub ÷ real: the throughput ratio a CPU-bound server would show, free of machine noise. */
  readonly ratio: number;
}

/** The `totals:` (or `summary:`) line of a callgrind dump: instructions executed. */
export function instructionsOf(dump: string): number {
  const match = /^(?:totals|summary):\s+(\d+)/m.exec(dump);
  if (!match) throw new Error('no totals line in the callgrind dump');
  return Number(match[1]);
}

/**
 * Instructions one request costs the catalog server, counted by valgrind's callgrind: the server runs
 * under it, the counters are zeroed after the warm-up (`callgrind_control --zero`), the requests go one
 * at a time on one kept-alive connection, then the counters are dumped. Other processes' work is
 * not counted, unlike in requests per second; the process's own timer work is, so runs go one at a time.
 */
async function instructionsPerRequest(
  variant: FlagLayerVariant,
  options: InstructionCountOptions,
): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-callgrind-'));
  const script = path.join(__dirname, '..', 'flag-layer', 'catalog-server.js');
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      // V8 writes the machine code it then runs: valgrind must look for code changes everywhere.
      '--smc-check=all-non-file',
      `--callgrind-out-file=${path.join(dir, 'callgrind.out')}`,
      options.runtime.execPath,
      ...options.runtime.execArgv,
      script,
      variant,
      options.eventsUrl,
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4_000)));
  const exited = once(child, 'exit');
  try {
    const [message] = (await Promise.race([
      once(child, 'message'),
      exited.then(([code]) => {
        throw new Error(
          `the ${variant} catalog server under callgrind exited with ${String(code)}: ${stderr}`,
        );
      }),
    ])) as [{ port: number }];
    const baseUrl = `http://127.0.0.1:${message.port}`;
    const load = (maxRequests: number) =>
      runLoad({ baseUrl, concurrency: 1, maxRequests, requestTimeoutMs: 60_000, request: catalogRequest });
    await load(options.warmUpRequests);
    const pid = String(child.pid);
    await run('callgrind_control', ['--zero', pid]);
    const counted = await load(options.requests);
    if (counted.ok !== options.requests) {
      throw new Error(
        `${options.requests - counted.ok} of ${options.requests} requests failed under callgrind`,
      );
    }
    await run('callgrind_control', ['--dump', pid]);
    const dumps = (await readdir(dir)).filter((name) => /^callgrind\.out\.\d+$/.test(name));
    if (dumps.length !== 1) throw new Error(`expected one callgrind dump, found ${dumps.length}`);
    return instructionsOf(await readFile(path.join(dir, dumps[0]!), 'utf8')) / options.requests;
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}

/** Figure 2 (instructions): the catalog app with the real flag client and with constants, under callgrind. */
export async function measureInstructionCount(
  options: InstructionCountOptions,
): Promise<InstructionCountResult> {
  // One after the other: the count includes work that timers do (the SDK's event flushes, metrics),
  // which grows with the wall-clock time each request takes, so runs sharing the cores count more.
  const real = await instructionsPerRequest('real', options);
  const stub = await instructionsPerRequest('stub', options);
  return { real, stub, ratio: stub / real };
}
