import { format } from 'winston';

import type { RequestScope } from './request-scope';

const MESSAGE = Symbol.for('message');

/** Keys every line carries first, in this order; the rest of the metadata follows. */
const LEADING_KEYS = ['time', 'level', 'msg', 'service', 'instance', 'pid', 'requestId'] as const;

function errorToPlainObject(error: Error): Record<string, unknown> {
  const code = (error as NodeJS.ErrnoException).code;
  return { name: error.name, message: error.message, ...(code ? { code } : {}), stack: error.stack };
}

/** Metadata values as they should be printed: errors with their stacks, everything else as is. */
function printableFields(info: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(info)) {
    if (key === 'level' || key === 'message' || key === 'splat') continue;
    fields[key] = value instanceof Error ? errorToPlainObject(value) : value;
  }
  return fields;
}

/** Adds the time and the current request's id (when there is one) to a line. */
export function stampLine(requestScope?: RequestScope) {
  return format((info) => {
    info.time = new Date().toISOString();
    const requestId = requestScope?.currentRequestId();
    if (requestId !== undefined && info.requestId === undefined) info.requestId = requestId;
    return info;
  })();
}

function stringifySafely(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return '"[unserializable]"';
  }
}

/** One JSON object per line, with `msg` and `time` as log shippers expect. */
export const jsonLine = format((info) => {
  const fields: Record<string, unknown> = { ...printableFields(info), level: info.level, msg: info.message };
  const line: Record<string, unknown> = {};
  for (const key of LEADING_KEYS) if (key in fields) line[key] = fields[key];
  for (const [key, value] of Object.entries(fields)) if (!(key in line)) line[key] = value;
  (info as Record<symbol, unknown>)[MESSAGE] = stringifySafely(line);
  return info;
});

function textValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  // An error's stack stays on this line, escaped: one event, one line, even in text.
  if (value !== null && typeof value === 'object' && 'stack' in value && typeof value.stack === 'string') {
    return JSON.stringify(value.stack);
  }
  return stringifySafely(value);
}

/**
 * `time level service#instance pid=… [requestId] message key=value …`: what a person scanning
 * `pm2 logs` wants, with the message early and every field still greppable.
 */
export const textLine = format((info) => {
  const { time, service, instance, pid, requestId, ...rest } = printableFields(info);
  const head = `${String(time)} ${info.level.padEnd(5)} ${String(service)}#${String(instance)} pid=${String(pid)}`;
  const request = requestId === undefined ? '' : ` [${String(requestId)}]`;
  const fields = Object.entries(rest)
    .map(([key, value]) => ` ${key}=${textValue(value)}`)
    .join('');
  (info as Record<symbol, unknown>)[MESSAGE] = `${head}${request} ${String(info.message)}${fields}`;
  return info;
});
