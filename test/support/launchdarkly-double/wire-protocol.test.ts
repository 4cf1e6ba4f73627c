import http from 'node:http';

import { booleanFlag, startLaunchDarklyDouble, type LaunchDarklyDouble } from './index';

const SDK_KEY = 'sdk-test-wire';

interface RawStream {
  readonly status: number;
  /** Resolves with everything received once it matches `pattern`. */
  waitForText(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): void;
}

/** A bare SSE client: no parsing, no reconnects, just the bytes the double wrote. */
function openRawStream(double: LaunchDarklyDouble, authorization = SDK_KEY): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${double.url}/all`,
      { agent: false, headers: { authorization } },
      (response) => {
        let text = '';
        const listeners = new Set<() => void>();
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          for (const listener of [...listeners]) listener();
        });
        resolve({
          status: response.statusCode ?? 0,
          waitForText: (pattern, timeoutMs = 1000) =>
            new Promise((done, fail) => {
              const check = (): void => {
                if (!pattern.test(text)) return;
                clearTimeout(timer);
                listeners.delete(check);
                done(text);
              };
              const timer = setTimeout(() => {
                listeners.delete(check);
                fail(new Error(`no ${pattern} in ${JSON.stringify(text)}`));
              }, timeoutMs);
              listeners.add(check);
              check();
            }),
          close: () => request.destroy(),
        });
      },
    );
    request.on('error', reject);
  });
}

interface SendOptions {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** One request on a fresh connection; resolves with the status and body text. */
function send(url: string, options: SendOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('LaunchDarkly double: wire protocol', () => {
  let double: LaunchDarklyDouble;
  const raw: RawStream[] = [];

  beforeEach(async () => {
    double = await startLaunchDarklyDouble({
      sdkKey: SDK_KEY,
      flags: [booleanFlag('f', true)],
      heartbeatMs: 20,
    });
  });

  afterEach(async () => {
    for (const stream of raw.splice(0)) stream.close();
    await double.close();
  });

  async function open(authorization?: string): Promise<RawStream> {
    const stream = await openRawStream(double, authorization);
    raw.push(stream);
    return stream;
  }

  it('writes the put first, then a ":" heartbeat comment every heartbeatMs', async () => {
    const stream = await open();

    const text = await stream.waitForText(/(:\n){2}/);

    expect(stream.status).toBe(200);
    const put =
      '{"path":"/","data":{"flags":{"f":' + JSON.stringify(booleanFlag('f', true)) + '},"segments":{}}}';
    expect(text.startsWith(`event: put\ndata: ${put}\n\n:\n`)).toBe(true);
  });

  it('writes patch and delete events with paths and rising versions', async () => {
    const stream = await open();
    await stream.waitForText(/event: put/);

    double.setFlag(booleanFlag('f', false));
    double.deleteFlag('f');

    const text = await stream.waitForText(/event: delete/);
    expect(text).toContain(
      `event: patch\ndata: {"path":"/flags/f","data":${JSON.stringify({ ...booleanFlag('f', false), version: 2 })}}\n\n`,
    );
    expect(text).toContain('event: delete\ndata: {"path":"/flags/f","version":3}\n\n');
  });

  it('a change made while a put is delayed goes into that put, not into a patch before it', async () => {
    double.faults.delayFirstPutMs = 50;
    const stream = await open();
    await double.waitForStreams(1);

    double.setFlag(booleanFlag('f', false));
    const text = await stream.waitForText(/event: put/);

    expect(text).not.toContain('event: patch');
    expect(text).toContain('"version":2');
  });

  it('refuses a stream with the wrong key with 401 and records it', async () => {
    const stream = await open('wrong-key');

    expect(stream.status).toBe(401);
    expect(double.streams()).toEqual([
      expect.objectContaining({ status: 401, closedAt: expect.any(Number) }),
    ]);
  });

  it('serves /sdk/latest-all without a data wrapper, and checks the key there too', async () => {
    const ok = await send(`${double.url}/sdk/latest-all`, { headers: { authorization: SDK_KEY } });
    const refused = await send(`${double.url}/sdk/latest-all`, { headers: { authorization: 'nope' } });
    double.faults.polling = 500;
    const failing = await send(`${double.url}/sdk/latest-all`, { headers: { authorization: SDK_KEY } });

    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ flags: { f: booleanFlag('f', true) }, segments: {} });
    expect(refused.status).toBe(401);
    expect(failing.status).toBe(500);
  });

  it('answers 404 to unknown routes and logs every request', async () => {
    const missing = await send(`${double.url}/sdk/evalx/contexts`);

    expect(missing.status).toBe(404);
    expect(double.requests()).toEqual([
      expect.objectContaining({ method: 'GET', path: '/sdk/evalx/contexts', status: 404 }),
    ]);
  });

  it('events: 400 for a body that is not JSON, 401 for a wrong key, and a payload id counts once', async () => {
    const post = (body: string, headers: Record<string, string>) =>
      send(`${double.url}/bulk`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: SDK_KEY, ...headers },
      });
    const events = JSON.stringify([{ kind: 'identify', context: { kind: 'user', key: 'u1' } }]);

    expect((await post('not json', {})).status).toBe(400);
    expect((await post(events, { authorization: 'nope' })).status).toBe(401);
    expect((await post(events, { 'x-launchdarkly-payload-id': 'p1' })).status).toBe(202);
    expect((await post(events, { 'x-launchdarkly-payload-id': 'p1' })).status).toBe(202);

    expect(double.eventPayloads().map((payload) => payload.status)).toEqual([400, 401, 202, 202]);
    expect(double.events()).toHaveLength(1);
    expect(double.contextKeys()).toEqual(['u1']);
  });

  it('reads the keys of multi-kind contexts', async () => {
    const events = [{ kind: 'index', context: { kind: 'multi', user: { key: 'u1' }, org: { key: 'o1' } } }];
    await send(`${double.url}/bulk`, {
      method: 'POST',
      body: JSON.stringify(events),
      headers: { authorization: SDK_KEY },
    });

    expect(double.contextKeys()).toEqual(['u1', 'o1']);
  });

  it('a wait that times out says what it expected and what it saw', async () => {
    await expect(double.waitForStreams(1, 30)).rejects.toThrow(
      'timed out after 30 ms: expected 1 matching stream requests, saw 0 of 0',
    );
  });

  it('close() rejects pending waits and is idempotent', async () => {
    const waiting = double.waitForEvents((events) => events.length > 0, 5000);

    await double.close();
    await double.close();

    await expect(waiting).rejects.toThrow('the LaunchDarkly double was closed');
    await expect(double.startListening()).rejects.toThrow('closed');
  });
});
