import { once } from 'node:events';
import winston from 'winston';

import type { LogFormat, LogLevel } from './log-config';
import { jsonLine, stampLine, textLine } from './line-formats';
import type { RequestScope } from './request-scope';
import { StdoutTransport } from './stdout-transport';

export type Logger = winston.Logger;

export interface LoggerOptions {
  readonly service: string;
  readonly instance: string;
  readonly level: LogLevel;
  readonly format: LogFormat;
  readonly requestScope?: RequestScope;
  /** Where lines go; stdout (and so PM2's per-instance log files) unless a test captures them. */
  readonly sink?: NodeJS.WritableStream;
}

/** One line per event, each with `service`, `instance` and `pid`, and `requestId` inside a request. */
export function createLogger(options: LoggerOptions): Logger {
  const logger = winston.createLogger({
    level: options.level,
    levels: winston.config.npm.levels,
    defaultMeta: { service: options.service, instance: options.instance, pid: process.pid },
    format: winston.format.combine(
      stampLine(options.requestScope),
      options.format === 'json' ? jsonLine() : textLine(),
    ),
    transports: [new StdoutTransport(options.sink)],
    exitOnError: false,
  });
  logger.on('error', (error: NodeJS.ErrnoException) => {
    // Flushing the logger is the last step of a shutdown; a line that comes later (a second signal,
    // a late SDK message) has nowhere left to go, and must not turn into an unhandled 'error' event.
    if (error.code === 'ERR_STREAM_WRITE_AFTER_END') return;
    process.stderr.write(`${options.service}: logging failed: ${error.stack ?? String(error)}\n`);
  });
  return logger;
}

/**
 * Ends the logger and waits until every line is written, or until `timeoutMs` passes. The
 * transports' 'finish' is what counts: the logger's own fires before they have written anything.
 */
export async function flushLogger(logger: Logger, timeoutMs: number): Promise<void> {
  const written = Promise.all(logger.transports.map((transport) => once(transport, 'finish')));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  logger.end();
  await Promise.race([written, timeout]);
  clearTimeout(timer);
}
