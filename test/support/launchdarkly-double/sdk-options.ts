import type { LDLogger, LDOptions } from '@launchdarkly/node-server-sdk';
import { format } from 'node:util';

/** An SDK logger that drops everything. */
export const silentLdLogger: LDLogger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

export type LdLogLevel = keyof LDLogger;

export interface LdLogLine {
  readonly level: LdLogLevel;
  readonly message: string;
}

/** An SDK logger that keeps every line (formatted printf-style, as the SDK logs). */
export interface CapturingLdLogger {
  readonly logger: LDLogger;
  lines(level?: LdLogLevel): LdLogLine[];
}

export function capturingLdLogger(): CapturingLdLogger {
  const captured: LdLogLine[] = [];
  const at =
    (level: LdLogLevel) =>
    (...args: unknown[]): void => {
      captured.push({ level, message: format(...args) });
    };
  return {
    logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') },
    lines: (level) => captured.filter((line) => level === undefined || line.level === level),
  };
}

/**
 * SDK options that point every endpoint at the double, with a silent logger, no diagnostics and a
 * 50 ms reconnect base delay (the default 1 s would slow every reconnect test); `overrides` win.
 */
export function ldOptionsFor(double: { readonly url: string }, overrides: LDOptions = {}): LDOptions {
  return {
    baseUri: double.url,
    streamUri: double.url,
    eventsUri: double.url,
    logger: silentLdLogger,
    diagnosticOptOut: true,
    streamInitialReconnectDelay: 0.05,
    ...overrides,
  };
}
