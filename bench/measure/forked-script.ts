import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

import type { NodeRuntime } from './node-runtime';

export interface ForkedScript<T> {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The first message the script sent over IPC. */
  readonly message: T;
  /** Settles when the script has exited. */
  readonly exited: Promise<unknown>;
}

/**
 * Forks one of the compiled scripts in `bench/flag-layer/` (on the given Node.js) and waits for its first IPC message (its
 * port, or its result); a script that exits before sending one is an error naming `what`.
 */
export async function forkUntilMessage<T>(
  name: string,
  args: readonly string[],
  what: string,
  runtime: Pick<NodeRuntime, 'execPath' | 'execArgv'> = { execPath: process.execPath, execArgv: [] },
): Promise<ForkedScript<T>> {
  const script = path.join(__dirname, '..', 'flag-layer', `${name}.js`);
  const child = fork(script, [...args], {
    execPath: runtime.execPath,
    execArgv: [...runtime.execArgv],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const [message] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`${what} exited with ${String(code)} before reporting`);
    }),
  ])) as [T];
  if (child.pid === undefined) throw new Error(`${what} has no pid`);
  return { child, pid: child.pid, message, exited };
}
