import http from 'node:http';

import {
  stringFlag,
  withFallthrough,
  withRule,
  type LaunchDarklyDouble,
} from '../../test/support/launchdarkly-double';
import { sleep } from '../stats';

export interface PropagationOptions {
  readonly double: LaunchDarklyDouble;
  /** `http://127.0.0.1:PORT` of the service that evaluates `catalog-sort` (ours or the naive one). */
  readonly baseUrl: string;
  /** How many instances serve it (at each URL). */
  readonly instances: number;
  /** The same service on other hosts: every instance of every host is timed. */
  readonly otherHostUrls?: readonly string[];
  readonly changes: number;
}

export interface PropagationResult {
  /** Per change: ms from the patch until the last instance served the new value. */
  readonly everyInstanceMs: number[];
  /** Per change and instance: ms from the patch until that instance served the new value. */
  readonly perInstanceMs: number[];
}

const SORTS = ['featured', 'price-asc', 'newest'] as const;
const REQUEST = {
  path: '/products?limit=1',
  headers: { 'X-User-Key': 'bench-propagation', 'X-User-Plan': 'pro' },
};

/** `catalog-sort` as the fleet's flags define it (free plan → price-asc), with another fallthrough. */
function catalogSortServing(fallthrough: number) {
  const flag = withRule(
    stringFlag('catalog-sort', SORTS),
    { attribute: 'plan', op: 'in', values: ['free'] },
    1,
  );
  return withFallthrough(flag, fallthrough);
}

interface Reply {
  readonly servedBy: string;
  readonly sort: string;
}

function get(agent: http.Agent, url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers: REQUEST.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) {
          reject(new Error(`${url} answered ${response.statusCode}: ${body.slice(0, 200)}`));
          return;
        }
        resolve({
          servedBy: String(response.headers['x-served-by']),
          sort: (JSON.parse(body) as { sort: string }).sort,
        });
      });
    });
    request.setTimeout(5_000, () => request.destroy(new Error(`no answer from ${url} within 5 s`)));
    request.on('error', reject);
  });
}

/**
 * One kept-alive connection per instance. PM2's cluster master hands each new connection to the
 * next worker and a connection stays with its worker, so opening connections until every instance
 * has answered on one gives a channel to each; polling all of them measures when each instance
 * serves a change, not when round-robin happens to reach it.
 */
async function connectToEveryInstance(url: string, instances: number): Promise<Map<string, http.Agent>> {
  const pinned = new Map<string, http.Agent>();
  for (let attempt = 0; pinned.size < instances; attempt += 1) {
    if (attempt >= instances * 20) {
      for (const agent of pinned.values()) agent.destroy();
      throw new Error(`only ${pinned.size} of ${instances} instances answered ${url} on new connections`);
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const reply = await get(agent, url);
    if (pinned.has(reply.servedBy)) agent.destroy();
    else pinned.set(reply.servedBy, agent);
  }
  return pinned;
}

/** Polls one instance back to back until it answers with `expected`; ms from `since` to that answer. */
async function untilServes(
  agent: http.Agent,
  url: string,
  servedBy: string,
  expected: string,
  since: number,
): Promise<number> {
  for (;;) {
    const reply = await get(agent, url);
    const at = performance.now();
    if (reply.servedBy !== servedBy) {
      throw new Error(`the connection to ${servedBy} was answered by ${reply.servedBy}`);
    }
    if (reply.sort === expected) return at - since;
    if (at - since > 10_000)
      throw new Error(`${servedBy} still served ${reply.sort}, not ${expected}, after 10 s`);
  }
}

/**
 * Figure 1: changes `catalog-sort` through the double `changes` times and, for each change, times
 * how long until every instance answers with the new value. The instances are idle when the patch
 * goes out, as they would be between two real changes; from then on each is polled back to back on
 * its own connection until it serves the new value, so the resolution is one request's round trip
 * (about a millisecond) and polling does not queue requests in front of the patch.
 */
export async function measurePropagation(options: PropagationOptions): Promise<PropagationResult> {
  const channels: { url: string; servedBy: string; agent: http.Agent }[] = [];
  for (const baseUrl of [options.baseUrl, ...(options.otherHostUrls ?? [])]) {
    const url = `${baseUrl}${REQUEST.path}`;
    for (const [servedBy, agent] of await connectToEveryInstance(url, options.instances)) {
      channels.push({ url, servedBy, agent });
    }
  }
  const everyInstanceMs: number[] = [];
  const perInstanceMs: number[] = [];
  try {
    let fallthrough = 2;
    for (let change = 0; change < options.changes; change += 1) {
      const previous = SORTS[fallthrough]!;
      fallthrough = fallthrough === 2 ? 1 : 2; // never 0: `featured` is also the fallback value
      const expected = SORTS[fallthrough]!;
      // Every instance serves the previous value before the change (the connections stay warm).
      await Promise.all(
        channels.map(({ url, servedBy, agent }) =>
          untilServes(agent, url, servedBy, previous, performance.now()),
        ),
      );
      // Changes some time apart, as people make them: the instances go quiet in between.
      await sleep(200 + Math.random() * 200);
      const patchedAt = performance.now();
      options.double.setFlag(catalogSortServing(fallthrough));
      const latencies = await Promise.all(
        channels.map(({ url, servedBy, agent }) => untilServes(agent, url, servedBy, expected, patchedAt)),
      );
      perInstanceMs.push(...latencies);
      everyInstanceMs.push(Math.max(...latencies));
    }
  } finally {
    for (const { agent } of channels) agent.destroy();
  }
  return { everyInstanceMs, perInstanceMs };
}
