import TransportStream from 'winston-transport';

/** winston's final, formatted line lives under this symbol (triple-beam's MESSAGE). */
const MESSAGE = Symbol.for('message');

type LineSink = Pick<NodeJS.WritableStream, 'write'>;
type Info = Record<string | symbol, unknown>;

/**
 * Writes each formatted line and reports it logged only once the write is done, so that
 * `logger.end()` finishes after the last line has really left the process. PM2 redirects stdout to
 * its log files asynchronously, and winston's Console transport does not wait for that.
 *
 * The encoding is always passed: PM2's replacement `write(string, encoding, cb)` takes a callback
 * only in third place (in second, it calls it twice with `log_file` set, never with `/dev/null`).
 */
export class StdoutTransport extends TransportStream {
  constructor(private readonly sink: LineSink = process.stdout) {
    super();
  }

  override log(info: Info, done: () => void): void {
    this.sink.write(`${String(info[MESSAGE])}\n`, 'utf8', () => done());
  }

  /**
   * Lines that queued up behind a slow write go out as one write. Without this, winston-transport's
   * default batch path reports the whole batch written before any of it is.
   */
  override logv(entries: ReadonlyArray<{ chunk: Info }>, done: () => void): void {
    const lines = entries.map((entry) => `${String(entry.chunk[MESSAGE])}\n`).join('');
    this.sink.write(lines, 'utf8', () => done());
  }
}
