import type { LDLogger, LDOptions, platform } from '@launchdarkly/node-server-sdk';

import { checkStreamEvent } from './flag-data-schema';
import type { FlagSourceMonitor } from './flag-source-monitor';

type UpdateProcessorFactory = Extract<
  NonNullable<LDOptions['updateProcessor']>,
  (...args: never[]) => unknown
>;
type SdkEventSource = platform.EventSource;
type SdkEventListener = Parameters<SdkEventSource['addEventListener']>[1];

/** The messages that carry flag data; the SDK listens to these three only. */
const DATA_EVENTS = new Set(['put', 'patch', 'delete']);

/** The SDK's own cap on its reconnect backoff (NodeRequests: maxBackoffMillis). */
const MAX_SILENT_RETRY_MS = 30_000;

export interface StreamGuardOptions {
  readonly logger: LDLogger;
  readonly monitor: FlagSourceMonitor;
  /**
   * A stream that opens and sends no `put` within this long is dead, whatever the socket says: it is
   * closed and opened again (then after twice as long, up to 30 s). The SDK alone would wait for its
   * fixed 5-minute read timeout, serving fallback values all along.
   */
  readonly silentStreamTimeoutMs: number;
}

/**
 * The SDK's own streaming data source, with its event stream guarded. Used as the `updateProcessor`
 * option: the SDK calls this factory with the client's context, and when it returns nothing the SDK
 * builds its default streaming processor from that same context (LDClientImpl, `constructFDv1`:
 * `updateProcessorFactory(...) ?? makeDefaultProcessor()`). The context's platform gets a
 * `createEventSource` that returns {@link GuardedEventSource}; everything else (headers, backoff,
 * error handling, diagnostics) stays the SDK's. `guarded-stream.test.ts` fails against an SDK where
 * this no longer holds.
 */
export function guardedStreamSource(options: StreamGuardOptions): UpdateProcessorFactory {
  return (clientContext) => {
    const sdkPlatform = clientContext.platform;
    const requests = sdkPlatform.requests;
    const guarded: platform.Requests = {
      fetch: (url, init) => requests.fetch(url, init),
      getEventSourceCapabilities: () => requests.getEventSourceCapabilities(),
      usingProxy: () => requests.usingProxy?.() ?? false,
      usingProxyAuth: () => requests.usingProxyAuth?.() ?? false,
      createEventSource: (url, init) =>
        new GuardedEventSource(() => requests.createEventSource(url, init), options),
    };
    // `platform` is declared readonly; the context is this client's alone, made for this call.
    (clientContext as { platform: platform.Platform }).platform = { ...sdkPlatform, requests: guarded };
    // Nothing returned: the SDK builds its default processor (see above). Its type does not say so.
    return undefined as unknown as ReturnType<UpdateProcessorFactory>;
  };
}

/**
 * What the SDK's streaming processor holds as its event source. It forwards to the real one, and:
 * - checks every `put`/`patch`/`delete` before the SDK's listener sees it, and refuses malformed
 *   ones (logged, recorded for `/readyz` and status) so the last good flags stay in use;
 * - reports whether the stream delivers to the monitor;
 * - replaces a stream that opened and stayed silent (see StreamGuardOptions).
 */
export class GuardedEventSource implements SdkEventSource {
  onclose: SdkEventSource['onclose'];
  onerror: SdkEventSource['onerror'];
  onopen: SdkEventSource['onopen'];
  onretrying: SdkEventSource['onretrying'];

  private current: SdkEventSource;
  private readonly listeners: Array<{ type: string; listener: SdkEventListener }> = [];
  private silentTimer: NodeJS.Timeout | undefined;
  private silentTimeoutMs: number;
  private closed = false;

  constructor(
    private readonly open: () => SdkEventSource,
    private readonly options: StreamGuardOptions,
  ) {
    this.silentTimeoutMs = options.silentStreamTimeoutMs;
    this.current = this.connect();
  }

  addEventListener(type: string, listener: SdkEventListener): void {
    this.listeners.push({ type, listener });
    this.current.addEventListener(type, this.guard(type, listener));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.silentTimer);
    this.current.close();
  }

  private connect(): SdkEventSource {
    const source = this.open();
    const { monitor } = this.options;
    source.onopen = (event) => {
      monitor.connecting();
      this.watchForSilence();
      this.onopen?.(event);
    };
    source.onerror = (error) => {
      clearTimeout(this.silentTimer); // the source retries (or gives up) on its own
      const status = error?.status ? ` (HTTP ${error.status})` : '';
      monitor.interrupted(`stream failed: ${error?.message ?? 'no reason given'}${status}`);
      this.onerror?.(error);
    };
    source.onretrying = (event) => this.onretrying?.(event);
    source.onclose = () => {
      clearTimeout(this.silentTimer);
      this.onclose?.();
    };
    // The stream ended without an error (the server closed it): the SDK hears of it only as a retry.
    source.addEventListener('end', () => monitor.interrupted('the stream was closed by the server'));
    for (const { type, listener } of this.listeners)
      source.addEventListener(type, this.guard(type, listener));
    return source;
  }

  private guard(type: string, listener: SdkEventListener): SdkEventListener {
    if (!DATA_EVENTS.has(type)) return listener;
    return (event) => {
      if (type === 'put') this.heard();
      const checked = checkStreamEvent(type, event?.data);
      if (!checked.ok) {
        this.options.logger.error(
          `Refused a malformed "${type}" message from the flag stream: ${checked.problem}; ` +
            'keeping the last good flag values',
        );
        this.options.monitor.rejectedData(`stream ${type}`, checked.problem);
        return;
      }
      this.options.monitor.delivered();
      listener(event);
    };
  }

  private watchForSilence(): void {
    clearTimeout(this.silentTimer);
    this.silentTimer = setTimeout(() => this.replaceSilentStream(), this.silentTimeoutMs);
    this.silentTimer.unref();
  }

  /** A `put` came (good or not): the stream is alive; the next silent one starts the wait afresh. */
  private heard(): void {
    clearTimeout(this.silentTimer);
    this.silentTimer = undefined;
    this.silentTimeoutMs = this.options.silentStreamTimeoutMs;
  }

  private replaceSilentStream(): void {
    if (this.closed) return;
    const waitedS = this.silentTimeoutMs / 1000;
    const reason = `the stream connected but sent no flag data in ${waitedS}s`;
    this.options.logger.warn(
      `${reason}; reconnecting (the SDK alone would wait for its 5-minute read timeout)`,
    );
    this.options.monitor.interrupted(reason);
    const { silentStreamTimeoutMs } = this.options;
    this.silentTimeoutMs = Math.max(
      silentStreamTimeoutMs,
      Math.min(this.silentTimeoutMs * 2, MAX_SILENT_RETRY_MS),
    );
    this.current.close();
    this.current = this.connect();
  }
}
