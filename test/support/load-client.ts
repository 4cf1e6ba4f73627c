import http, { type IncomingHttpHeaders } from 'node:http';

/**
 * A small keep-alive HTTP load generator for tests against loopback servers. Unlike autocannon it
 * never retries or reconnects behind the caller's back: every request is recorded exactly once,
 * with its status, socket error code or timeout, so dropped requests during a reload are counted.
 */

/** What to send for one request. */
export interface LoadRequest {
  /** Default GET. */
  readonly method?: 'GET' | 'POST';
  /** Path and query, e.g. `/checkout?plan=pro`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON (POST only). */
  readonly body?: unknown;
}

/** A complete response, handed to `extract`. */
export interface LoadResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface LoadOptions<T> {
  /** `http://127.0.0.1:PORT` (or localhost / [::1]); anything else is refused. */
  readonly baseUrl: string;
  /** Concurrent loops, each one request at a time; also the agent's socket limit. */
  readonly concurrency: number;
  /** Stop issuing after this many requests in total. */
  readonly maxRequests?: number;
  /** Stop issuing after this long (in-flight requests still finish, bounded by their timeout). */
  readonly durationMs?: number;
  /** Whole-request deadline, connect to last body byte. Default 5000 ms. */
  readonly requestTimeoutMs?: number;
  /** The request for index 0, 1, 2, … Default `GET /`. */
  readonly request?: (index: number) => LoadRequest;
  /** Reads a value from each complete response (any status), e.g. the flag value it carried. */
  readonly extract?: (response: LoadResponse) => T;
  /** Called with each record as it is made. */
  readonly onRecord?: (record: LoadRecord<T>) => void;
}

export type LoadOutcome = 'ok' | 'status' | 'error' | 'timeout';

export interface LoadRecord<T> {
  /** The index passed to `request`. */
  readonly index: number;
  /** Which loop sent it (0 … concurrency-1). */
  readonly loop: number;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** When it was sent, in ms since the load started. */
  readonly startedAtMs: number;
  /** Until the last body byte, the error, or the timeout. */
  readonly latencyMs: number;
  /** `ok`: a 2xx response; `status`: any other response; `error`: a socket error; `timeout`. */
  readonly outcome: LoadOutcome;
  /** What failures are grouped by: `ok`, `status 503`, an error code such as `ECONNRESET`, or `timeout`. */
  readonly kind: string;
  readonly status?: number;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Whether the request went out on a kept-alive socket (a reset there is the keep-alive race). */
  readonly reusedSocket: boolean;
  readonly value?: T;
  /** Set when `extract` threw; the response still counts by its status. */
  readonly extractError?: string;
}

export interface LoadSummary<T> {
  readonly total: number;
  /** 2xx responses. */
  readonly ok: number;
  readonly failed: number;
  /** Failed requests by kind: `status 503`, `ECONNRESET`, `ECONNREFUSED`, `timeout`, … */
  readonly failures: Readonly<Record<string, number>>;
  /** True when `stop()` ended the load before its bounds did. */
  readonly stoppedEarly: boolean;
  readonly durationMs: number;
  /** Every request, in completion order. */
  readonly records: readonly LoadRecord<T>[];
}

export interface LoadRun<T> {
  /** Settles when every loop has finished. */
  readonly result: Promise<LoadSummary<T>>;
  /** Stops issuing requests; in-flight ones finish. Resolves with the summary. */
  stop(): Promise<LoadSummary<T>>;
  /** Requests completed so far. */
  completed(): number;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** Throws unless `baseUrl` is plain http on a loopback address. */
export function assertLoopbackUrl(baseUrl: string): URL {
  const url = new URL(baseUrl);
  const host = url.hostname;
  const loopback = host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
  if (url.protocol !== 'http:' || !loopback) {
    throw new Error(`the load client only targets http on loopback, not ${baseUrl}`);
  }
  return url;
}

function validate<T>(options: LoadOptions<T>): void {
  const { concurrency, maxRequests, durationMs, requestTimeoutMs } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  if (maxRequests === undefined && durationMs === undefined) {
    throw new RangeError('give maxRequests, durationMs or both: the load needs a bound');
  }
  if (maxRequests !== undefined && (!Number.isInteger(maxRequests) || maxRequests < 0)) {
    throw new RangeError(`maxRequests must be a non-negative integer, got ${maxRequests}`);
  }
  if (durationMs !== undefined && !(durationMs > 0)) {
    throw new RangeError(`durationMs must be above 0, got ${durationMs}`);
  }
  if (requestTimeoutMs !== undefined && !(requestTimeoutMs > 0)) {
    throw new RangeError(`requestTimeoutMs must be above 0, got ${requestTimeoutMs}`);
  }
}

function summarize<T>(
  records: readonly LoadRecord<T>[],
  stoppedEarly: boolean,
  durationMs: number,
): LoadSummary<T> {
  const failures: Record<string, number> = {};
  let ok = 0;
  for (const record of records) {
    if (record.outcome === 'ok') ok += 1;
    else failures[record.kind] = (failures[record.kind] ?? 0) + 1;
  }
  return {
    total: records.length,
    ok,
    failed: records.length - ok,
    failures,
    stoppedEarly,
    durationMs,
    records,
  };
}

type SendOutcome<T> = Omit<LoadRecord<T>, 'index' | 'loop' | 'startedAtMs'>;
type Settlement<T> = Omit<SendOutcome<T>, 'method' | 'path' | 'latencyMs' | 'reusedSocket'>;

function connectionReset(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}

/** Sends one request, never retried; resolves (never rejects) with what happened. */
function sendOnce<T>(
  agent: http.Agent,
  base: URL,
  spec: LoadRequest,
  timeoutMs: number,
  extract: ((response: LoadResponse) => T) | undefined,
): Promise<SendOutcome<T>> {
  const method = spec.method ?? 'GET';
  if (method === 'GET' && spec.body !== undefined) throw new Error(`GET ${spec.path} cannot carry a body`);
  const payload = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
  const headers: Record<string, string | number> = { ...spec.headers };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = payload.length;
  }
  const url = new URL(spec.path, base);
  if (url.origin !== base.origin) throw new Error(`request path ${spec.path} leaves ${base.origin}`);
  const startedAt = performance.now();

  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    const request = http.request(url, { method, headers, agent });
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    const settle = (settlement: Settlement<T>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        method,
        path: spec.path,
        ...settlement,
        latencyMs: performance.now() - startedAt,
        reusedSocket: request.reusedSocket,
      });
    };
    const fail = (error: NodeJS.ErrnoException): void => {
      if (timedOut) {
        settle({
          outcome: 'timeout',
          kind: 'timeout',
          errorMessage: `no complete response within ${timeoutMs} ms`,
        });
        return;
      }
      const code = error.code ?? error.name;
      settle({ outcome: 'error', kind: code, errorCode: code, errorMessage: error.message });
    };
    const complete = (response: http.IncomingMessage, body: string): void => {
      const status = response.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      let value: T | undefined;
      let extractError: string | undefined;
      if (extract) {
        try {
          value = extract({ status, headers: response.headers, body });
        } catch (error) {
          extractError = error instanceof Error ? error.message : String(error);
        }
      }
      settle({
        outcome: ok ? 'ok' : 'status',
        kind: ok ? 'ok' : `status ${status}`,
        status,
        ...(extract ? { value } : {}),
        ...(extractError === undefined ? {} : { extractError }),
      });
    };

    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => complete(response, Buffer.concat(chunks).toString('utf8')));
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete) fail(connectionReset('connection closed before the response ended'));
      });
    });
    request.on('error', fail);
    request.end(payload);
  });
}

/**
 * Starts `concurrency` loops, each sending one request at a time over a shared keep-alive agent
 * until `maxRequests` have been issued, `durationMs` has passed, or `stop()` is called. Do the
 * thing under test (a reload, a fault) meanwhile, then await `result`.
 */
export function startLoad<T = undefined>(options: LoadOptions<T>): LoadRun<T> {
  validate(options);
  const base = assertLoopbackUrl(options.baseUrl);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const buildRequest = options.request ?? (() => ({ path: '/' }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const records: LoadRecord<T>[] = [];
  const startedAt = performance.now();
  const deadline = options.durationMs === undefined ? undefined : startedAt + options.durationMs;
  let issued = 0;
  let stopping = false;
  let stoppedEarly = false;

  const boundReached = (): boolean =>
    (options.maxRequests !== undefined && issued >= options.maxRequests) ||
    (deadline !== undefined && performance.now() >= deadline);

  const loop = async (loopId: number): Promise<void> => {
    while (!stopping && !boundReached()) {
      const index = issued++;
      const startedAtMs = performance.now() - startedAt;
      const outcome = await sendOnce(agent, base, buildRequest(index), timeoutMs, options.extract);
      const record: LoadRecord<T> = { index, loop: loopId, startedAtMs, ...outcome };
      records.push(record);
      options.onRecord?.(record);
    }
  };

  const loops = Array.from({ length: options.concurrency }, (_, loopId) => loop(loopId));
  const result = Promise.allSettled(loops).then((settled) => {
    agent.destroy();
    const failure = settled.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    return summarize(records, stoppedEarly, performance.now() - startedAt);
  });
  // A loop that throws (a bad `request` or `onRecord` function) stops the others; `result` rejects.
  for (const running of loops) {
    running.catch(() => {
      stopping = true;
    });
  }

  return {
    result,
    stop: () => {
      if (!stopping && !boundReached()) stoppedEarly = true;
      stopping = true;
      return result;
    },
    completed: () => records.length,
  };
}

/** `startLoad(options).result`. */
export function runLoad<T = undefined>(options: LoadOptions<T>): Promise<LoadSummary<T>> {
  return startLoad(options).result;
}
