import http, { type IncomingHttpHeaders } from 'node:http';

export interface InstanceReply {
  readonly servedBy: string;
  readonly status: number;
  readonly body: unknown;
}

/**
 * One reply from each of `instances` instances behind `url` (told apart by `X-Served-By`). Throws
 * if they do not all answer within `maxRequests` requests.
 */
export async function replyFromEachInstance(
  url: string,
  instances: number,
  headers: Readonly<Record<string, string>> = {},
  maxRequests = instances * 20,
): Promise<Map<string, InstanceReply>> {
  return replyFromEachInstanceTo(url, instances, { headers }, { maxRequests });
}

/** An {@link InstanceReply} with everything else the response carried. */
export interface InstanceResponse extends InstanceReply {
  /** The body parsed as JSON, or its text when it is not JSON. */
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  readonly text: string;
}

/** One request as {@link requestOnce} sends it. */
export interface InstanceRequest {
  /** Any HTTP token (`GET`, `POST`, `PROPFIND`…). Default GET. */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Sent as is: no content type is added. Content-Length is set from it unless the headers ask for
   * `Transfer-Encoding: chunked`.
   */
  readonly body?: string | Buffer;
}

/**
 * Sends one request on a fresh connection and resolves with the complete reply (any status).
 * PM2's cluster master hands each new connection to the next worker in turn, so successive calls
 * walk through every instance.
 */
export function requestOnce(url: string, request: InstanceRequest = {}): Promise<InstanceResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      headers[name] = typeof value === 'string' ? value : [...value];
    }
    const outgoing = http.request(
      url,
      { method: request.method ?? 'GET', headers, agent: false },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({
            servedBy: String(response.headers['x-served-by'] ?? '?'),
            status: response.statusCode ?? 0,
            body,
            headers: response.headers,
            text,
          });
        });
      },
    );
    outgoing.setTimeout(5_000, () => outgoing.destroy(new Error(`no answer from ${url} within 5 s`)));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

export interface SampleOptions {
  /** Give up after this many requests. Default `instances * 20`. */
  readonly maxRequests?: number;
  /** Sees every reply, not only the last one of each instance. */
  readonly onReply?: (reply: InstanceResponse) => void;
}

/**
 * {@link replyFromEachInstance} for any request (a POST with a body, an odd method, odd headers):
 * the last reply of each of `instances` instances behind `url`.
 */
export async function replyFromEachInstanceTo(
  url: string,
  instances: number,
  request: InstanceRequest,
  { maxRequests = instances * 20, onReply }: SampleOptions = {},
): Promise<Map<string, InstanceResponse>> {
  const replies = new Map<string, InstanceResponse>();
  for (let sent = 0; replies.size < instances; sent += 1) {
    if (sent >= maxRequests) {
      throw new Error(`only ${[...replies.keys()].join(', ')} answered ${url} in ${maxRequests} requests`);
    }
    const reply = await requestOnce(url, request);
    onReply?.(reply);
    replies.set(reply.servedBy, reply);
  }
  return replies;
}

/** When an instance first gave a matching reply. */
export interface InstanceMatch {
  readonly reply: InstanceResponse;
  /** Ms from `since` until that reply had arrived: an upper bound on when the instance changed. */
  readonly afterMs: number;
}

export interface EveryInstanceOptions {
  /** Epoch ms the change was made; `afterMs` counts from here. Default: when the call starts. */
  readonly since?: number;
  /** Give up (and throw, naming the instances that never matched) after this long. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * Polls `url` on fresh connections until each of `instances` instances has given a reply that
 * matches `predicate`; resolves with the first match of each. An instance that goes back to a
 * non-matching reply after a match is an error: a change must stick.
 */
export async function waitForEveryInstance(
  url: string,
  instances: number,
  request: InstanceRequest,
  predicate: (reply: InstanceResponse) => boolean,
  { since = Date.now(), timeoutMs = 10_000 }: EveryInstanceOptions = {},
): Promise<Map<string, InstanceMatch>> {
  const matches = new Map<string, InstanceMatch>();
  const lastMiss = new Map<string, InstanceResponse>();
  const deadline = Date.now() + timeoutMs;
  while (matches.size < instances) {
    if (Date.now() > deadline) {
      const misses = [...lastMiss.entries()]
        .filter(([servedBy]) => !matches.has(servedBy))
        .map(([servedBy, reply]) => `${servedBy}: ${reply.status} ${reply.text.slice(0, 200)}`);
      throw new Error(
        `after ${timeoutMs} ms only [${[...matches.keys()].join(', ')}] of ${instances} instances behind ` +
          `${url} matched; last replies of the others: ${misses.join(' | ') || 'none'}`,
      );
    }
    const reply = await requestOnce(url, request);
    const afterMs = Date.now() - since;
    if (predicate(reply)) {
      if (!matches.has(reply.servedBy)) matches.set(reply.servedBy, { reply, afterMs });
    } else if (matches.has(reply.servedBy)) {
      throw new Error(
        `${reply.servedBy} matched, then answered ${url} with ${reply.status} ${reply.text.slice(0, 200)}`,
      );
    } else {
      lastMiss.set(reply.servedBy, reply);
    }
  }
  return matches;
}
