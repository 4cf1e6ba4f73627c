import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { ChangeSignal } from './change-signal';
import {
  EventRecorder,
  type AnalyticsEvent,
  type EventPayloadRecord,
  type SummaryCounter,
} from './event-recorder';
import type { AllData, FlagDefinition } from './flag-model';
import { FlagStore } from './flag-store';
import { parseJson, readRequestBody } from './request-body';
import { SseStream } from './sse-stream';
import { deleteEvent, patchEvent, putEvent, type SseEvent } from './stream-payloads';

/** `'ok'` serves the endpoint normally; a number answers every new request with that HTTP status. */
export type FaultStatus = 'ok' | number;

/**
 * `GET /all`: a {@link FaultStatus}, or `'silent'`: the stream is accepted (200, heartbeats) and never
 * sends its `put`, as a proxy that lost its upstream might.
 */
export type StreamFault = FaultStatus | 'silent';

/** Switches a test flips to make the double misbehave. They apply to requests that arrive afterwards. */
export interface LaunchDarklyFaults {
  /** `GET /all`. 503 (or any 5xx, 400, 408, 429): the SDK retries with backoff. 401: it gives up. */
  stream: StreamFault;
  /** `GET /sdk/latest-all`. */
  polling: FaultStatus;
  /** `POST /bulk` and `POST /diagnostic`. 503: the SDK retries a payload once, a second later. */
  events: FaultStatus;
  /** Delays the `put` on each new stream by this many ms (the stream itself opens at once). */
  delayFirstPutMs: number;
}

/** One `GET /all` request, served or refused. */
export interface StreamRecord {
  /** 1, 2, … in arrival order. */
  readonly id: number;
  /** 200 when the stream was served; otherwise the status it was refused with. */
  readonly status: number;
  /** `X-LaunchDarkly-Instance-Id`: a UUID per SDK client. */
  readonly instanceId: string | undefined;
  readonly userAgent: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** Epoch ms the request arrived. */
  readonly openedAt: number;
  /** Epoch ms the `put` was written, if it was. */
  readonly putAt: number | undefined;
  /** Epoch ms the connection closed (by either side), if it has. */
  readonly closedAt: number | undefined;
}

/** Any request the double answered. */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly at: number;
}

export interface LaunchDarklyDoubleOptions {
  /** The only `Authorization` value accepted (the SDK sends the raw key). */
  readonly sdkKey: string;
  readonly flags?: readonly FlagDefinition[];
  /** Interval of the `:` comment on open streams. Default 3000 ms. */
  readonly heartbeatMs?: number;
}

const DEFAULT_HEARTBEAT_MS = 3000;
const DEFAULT_WAIT_MS = 2000;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

interface StreamEntry {
  readonly record: Writable<StreamRecord>;
  stream?: SseStream;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function copyStream(record: StreamRecord): StreamRecord {
  return { ...record, headers: { ...record.headers } };
}

/**
 * A local stand-in for LaunchDarkly's server-side endpoints (FDv1 streaming, polling, events) on
 * 127.0.0.1, for driving the real SDK in tests. Start it with {@link startLaunchDarklyDouble} and
 * point `baseUri`, `streamUri` and `eventsUri` at {@link LaunchDarklyDouble.url}.
 */
export class LaunchDarklyDouble {
  readonly faults: LaunchDarklyFaults = { stream: 'ok', polling: 'ok', events: 'ok', delayFirstPutMs: 0 };
  readonly sdkKey: string;

  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly store: FlagStore;
  private readonly heartbeatMs: number;
  private readonly changes = new ChangeSignal();
  private readonly recorder = new EventRecorder();
  private readonly streamEntries: StreamEntry[] = [];
  private readonly requestLog: RequestRecord[] = [];
  private boundPort = 0;
  private closed = false;

  private constructor(options: LaunchDarklyDoubleOptions) {
    if (options.sdkKey === '') throw new RangeError('the double needs a non-empty SDK key');
    this.sdkKey = options.sdkKey;
    this.store = new FlagStore(options.flags ?? []);
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    if (!(this.heartbeatMs > 0)) throw new RangeError(`heartbeatMs must be above 0, got ${this.heartbeatMs}`);
    this.server = http.createServer((request, response) => this.route(request, response));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts a double on a free loopback port. */
  static async start(options: LaunchDarklyDoubleOptions): Promise<LaunchDarklyDouble> {
    const double = new LaunchDarklyDouble(options);
    await double.listen(0);
    double.boundPort = (double.server.address() as AddressInfo).port;
    return double;
  }

  /** `http://127.0.0.1:PORT`, the base for all three SDK URIs. Stays the same across stop/start. */
  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  // ---- flags ----

  /** The flag as currently served, if any. */
  flag(key: string): FlagDefinition | undefined {
    return this.store.get(key);
  }

  /** Everything currently served, as in a `put`. */
  allData(): AllData {
    return this.store.allData();
  }

  /**
   * Sends `event` as it is to every open stream, also one still without its `put` (a silent one):
   * for proving that malformed messages (malformed-payloads.ts) cannot hurt a client. The double's
   * own flags are unchanged. Returns how many streams it was sent to.
   */
  sendRaw(event: SseEvent): number {
    const open = this.liveStreams();
    for (const stream of open) stream.send(event);
    return open.length;
  }

  /**
   * Adds or replaces a flag and sends a `patch` to every stream that has had its `put`. The version
   * is raised above the previous one for this key; the flag as stored (and sent) is returned.
   */
  setFlag(flag: FlagDefinition): FlagDefinition {
    const stored = this.store.set(flag);
    this.broadcast(patchEvent(stored));
    return stored;
  }

  /** Removes a flag and sends a `delete` with a higher version; returns that version. */
  deleteFlag(key: string): number {
    const version = this.store.delete(key);
    if (version === undefined) throw new RangeError(`the double serves no flag ${key}`);
    this.broadcast(deleteEvent(key, version));
    return version;
  }

  // ---- streams ----

  /** Every `GET /all` request so far, served or refused, in arrival order. */
  streams(): StreamRecord[] {
    return this.streamEntries.map((entry) => copyStream(entry.record));
  }

  /** Served streams whose connection is still open. */
  openStreams(): StreamRecord[] {
    return this.streams().filter((record) => record.status === 200 && record.closedAt === undefined);
  }

  /**
   * Waits until at least `count` stream records match `filter` (default: served streams, open or
   * not); resolves with the matching records.
   */
  waitForStreams(
    count: number,
    timeoutMs = DEFAULT_WAIT_MS,
    filter: (record: StreamRecord) => boolean = (record) => record.status === 200,
  ): Promise<StreamRecord[]> {
    const matching = (): StreamRecord[] => this.streams().filter(filter);
    return this.changes.waitFor(
      () => {
        const records = matching();
        return records.length >= count ? records : undefined;
      },
      timeoutMs,
      () =>
        `expected ${count} matching stream requests, saw ${matching().length} of ${this.streamEntries.length}`,
    );
  }

  /**
   * Destroys the connection of every open stream, as a network failure would (the SDK reconnects
   * after its backoff). Resolves, with how many there were, once the double has seen them close.
   */
  async cutStreams(): Promise<number> {
    const open = this.liveStreams();
    await Promise.all(open.map((stream) => stream.cut()));
    return open.length;
  }

  /** Ends every open stream cleanly (end of response; the SDK reconnects). Resolves once closed. */
  async endStreams(): Promise<number> {
    const open = this.liveStreams();
    await Promise.all(open.map((stream) => stream.end()));
    return open.length;
  }

  // ---- events ----

  /** Every POST to `/bulk` and `/diagnostic`, accepted or not, with headers. */
  eventPayloads(): EventPayloadRecord[] {
    return this.recorder.payloads();
  }

  /** Analytics events from accepted `/bulk` payloads (a retried payload counts once). */
  events(): AnalyticsEvent[] {
    return this.recorder.events();
  }

  /** Accepted `/diagnostic` bodies. */
  diagnostics(): AnalyticsEvent[] {
    return this.recorder.diagnostics();
  }

  /** Distinct context keys in delivered index, feature, custom and identify events. */
  contextKeys(): string[] {
    return this.recorder.contextKeys();
  }

  /** Sum of the delivered summary counters of `flagKey`. */
  summaryCounts(flagKey: string): number {
    return this.recorder.summaryCounts(flagKey);
  }

  summaryCounters(flagKey: string): SummaryCounter[] {
    return this.recorder.summaryCounters(flagKey);
  }

  /** Waits until the delivered analytics events satisfy `predicate`; resolves with them. */
  waitForEvents(
    predicate: (events: readonly AnalyticsEvent[]) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<AnalyticsEvent[]> {
    return this.changes.waitFor(
      () => {
        const events = this.events();
        return predicate(events) ? events : undefined;
      },
      timeoutMs,
      () => `events did not match; delivered kinds: [${this.events().map((event) => event.kind)}]`,
    );
  }

  /** Waits until the recorded event POSTs (any status) satisfy `predicate`; resolves with them. */
  waitForEventPayloads(
    predicate: (payloads: readonly EventPayloadRecord[]) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<EventPayloadRecord[]> {
    return this.changes.waitFor(
      () => {
        const payloads = this.eventPayloads();
        return predicate(payloads) ? payloads : undefined;
      },
      timeoutMs,
      () => `event payloads did not match; saw ${this.recorder.payloads().length}`,
    );
  }

  // ---- everything ----

  /** Every request the double answered (streams are logged when they open). */
  requests(): RequestRecord[] {
    return this.requestLog.map((record) => ({ ...record, headers: { ...record.headers } }));
  }

  // ---- lifecycle ----

  /**
   * Takes the server down: stops accepting connections (clients get ECONNREFUSED) and destroys every
   * open connection, streams included. The port is kept for {@link startListening}.
   */
  async stopListening(): Promise<void> {
    if (!this.server.listening) return;
    const streamsClosed = this.liveStreams().map((stream) => stream.done);
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([serverClosed, ...streamsClosed]);
  }

  /** Brings the server back on the same port. */
  async startListening(): Promise<void> {
    if (this.closed) throw new Error('the double is closed');
    if (this.server.listening) return;
    await this.listen(this.boundPort);
  }

  /** Ends all streams and connections and closes the server; pending waits reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopListening();
    this.changes.close(new Error('the LaunchDarkly double was closed'));
  }

  private liveStreams(): SseStream[] {
    return this.streamEntries.flatMap((entry) => (entry.stream?.isOpen ? [entry.stream] : []));
  }

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'http://double.invalid').pathname;
    const route = `${request.method ?? ''} ${path}`;
    switch (route) {
      case 'GET /all':
        this.serveStream(request, response);
        return;
      case 'GET /sdk/latest-all':
        this.servePolling(request, response);
        return;
      case 'POST /bulk':
      case 'POST /diagnostic':
        this.receiveEvents(path === '/bulk' ? 'bulk' : 'diagnostic', request, response).catch(() => {
          response.destroy();
        });
        return;
      default:
        this.answer(request, response, 404, { message: `no route ${route}` });
    }
  }

  private authorized(request: IncomingMessage): boolean {
    return request.headers.authorization === this.sdkKey;
  }

  private serveStream(request: IncomingMessage, response: ServerResponse): void {
    const { headers } = request;
    const fault = this.faults.stream;
    const refusal = typeof fault === 'number' ? fault : this.authorized(request) ? undefined : 401;
    const entry: StreamEntry = {
      record: {
        id: this.streamEntries.length + 1,
        status: refusal ?? 200,
        instanceId: headerValue(headers, 'x-launchdarkly-instance-id'),
        userAgent: headerValue(headers, 'user-agent'),
        headers: { ...headers },
        openedAt: Date.now(),
        putAt: undefined,
        closedAt: undefined,
      },
    };
    this.streamEntries.push(entry);
    if (refusal !== undefined) {
      entry.record.closedAt = entry.record.openedAt;
      this.answer(request, response, refusal, { message: 'stream refused by the double' });
      this.changes.notify();
      return;
    }
    this.logRequest(request, 200);
    const stream = new SseStream(response, this.heartbeatMs, () => {
      entry.record.closedAt = Date.now();
      this.changes.notify();
    });
    entry.stream = stream;
    const sendPut = (): void => {
      stream.send(putEvent(this.store.allData()));
      entry.record.putAt = Date.now();
      this.changes.notify();
    };
    const delayMs = this.faults.delayFirstPutMs;
    if (fault === 'silent') {
      this.changes.notify();
      return;
    }
    if (delayMs > 0) stream.later(delayMs, sendPut);
    else sendPut();
    this.changes.notify();
  }

  /** Streams still waiting for their delayed `put` get the current data in it, so they skip patches. */
  private broadcast(event: SseEvent): number {
    let sent = 0;
    for (const entry of this.streamEntries) {
      if (entry.stream?.isOpen && entry.record.putAt !== undefined) {
        entry.stream.send(event);
        sent += 1;
      }
    }
    return sent;
  }

  private servePolling(request: IncomingMessage, response: ServerResponse): void {
    const fault = this.faults.polling;
    if (fault !== 'ok') this.answer(request, response, fault, { message: 'polling refused by the double' });
    else if (!this.authorized(request)) this.answer(request, response, 401, { message: 'bad SDK key' });
    else this.answer(request, response, 200, this.store.allData());
  }

  private async receiveEvents(
    endpoint: 'bulk' | 'diagnostic',
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const text = await readRequestBody(request);
    const parsed = parseJson(text);
    const fault = this.faults.events;
    let status = 202;
    if (fault !== 'ok') status = fault;
    else if (!this.authorized(request)) status = 401;
    else if (parsed === undefined) status = 400;
    this.recorder.add({
      endpoint,
      status,
      headers: { ...request.headers },
      body: parsed === undefined ? text : parsed.value,
      payloadId: headerValue(request.headers, 'x-launchdarkly-payload-id'),
      receivedAt: Date.now(),
    });
    this.answer(
      request,
      response,
      status,
      status === 202 ? undefined : { message: 'events refused by the double' },
    );
    this.changes.notify();
  }

  private answer(request: IncomingMessage, response: ServerResponse, status: number, body: unknown): void {
    this.logRequest(request, status);
    if (body === undefined) {
      response.writeHead(status).end();
      return;
    }
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private logRequest(request: IncomingMessage, status: number): void {
    this.requestLog.push({
      method: request.method ?? '',
      path: new URL(request.url ?? '/', 'http://double.invalid').pathname,
      status,
      headers: { ...request.headers },
      at: Date.now(),
    });
  }
}

/** Starts a {@link LaunchDarklyDouble} on 127.0.0.1 and a free port. */
export function startLaunchDarklyDouble(options: LaunchDarklyDoubleOptions): Promise<LaunchDarklyDouble> {
  return LaunchDarklyDouble.start(options);
}
