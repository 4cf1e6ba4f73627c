import { forkUntilMessage } from './forked-script';
import type { NodeRuntime } from './node-runtime';
import { processUsage } from './process-usage';

/**
 * Figure 6's floor: the idle RSS of `bench/flag-layer/stack-floor-server.ts` (Koa, @koa/router, winston,
 * the SDK offline, and nothing of ours) after one request and the same idle time the fleet's instances get,
 * with the fleet's Node.js options.
 */
export async function measureStackFloorMb(runtime: NodeRuntime, idleMs: number): Promise<number> {
  const server = await forkUntilMessage<{ port: number }>(
    'stack-floor-server',
    [],
    'the stack-floor server',
    runtime,
  );
  try {
    const answer = await fetch(`http://127.0.0.1:${server.message.port}/products`);
    if (!answer.ok) throw new Error(`the stack-floor server answered ${answer.status}`);
    await answer.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    return (await processUsage(server.pid)).rssBytes / (1024 * 1024);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}
