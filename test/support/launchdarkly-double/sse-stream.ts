import type { ServerResponse } from 'node:http';

import type { SseEvent } from './stream-payloads';

/** `event: NAME` and one `data:` line per line of data, then the blank line that dispatches it. */
export function formatSseEvent(event: SseEvent): string {
  const dataLines = event.data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `event: ${event.name}\n${dataLines.join('')}\n`;
}

/**
 * One open `text/event-stream` response. Sends a `:` comment every `heartbeatMs` (the SDK drops a
 * stream after 5 minutes without a byte) and stops all its timers when the connection closes,
 * whoever closed it.
 */
export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Settles once the connection has closed and `onClose` has run. */
  readonly done: Promise<void>;

  constructor(
    private readonly response: ServerResponse,
    heartbeatMs: number,
    onClose: () => void,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.flushHeaders();
    response.socket?.setNoDelay(true);
    this.heartbeat = setInterval(() => this.write(':\n'), heartbeatMs);
    this.done = new Promise((resolve) => {
      response.once('close', () => {
        this.closed = true;
        clearInterval(this.heartbeat);
        for (const timer of this.timers) clearTimeout(timer);
        this.timers.clear();
        onClose();
        resolve();
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(event: SseEvent): void {
    this.write(formatSseEvent(event));
  }

  /** Runs `action` after `delayMs` unless the stream closes first. */
  later(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) action();
    }, delayMs);
    this.timers.add(timer);
  }

  /** Ends the response cleanly (the SDK sees end of stream and reconnects); settles once closed. */
  end(): Promise<void> {
    if (!this.closed) this.response.end();
    return this.done;
  }

  /** Destroys the connection under the stream, as a network failure would; settles once closed. */
  cut(): Promise<void> {
    if (!this.closed) this.response.destroy();
    return this.done;
  }

  private write(chunk: string): void {
    if (!this.closed) this.response.write(chunk);
  }
}
