import { accessSync, constants as fsConstants } from 'node:fs';
import { z } from 'zod';

import { Secret } from './secret';

/** The process environment, or any map of variables read like it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Unset and empty are the same to a shell user (`FOO= pm2 start`), so both mean "use the default". */
export function withoutEmptyValues(env: Env): Record<string, string> {
  const cleaned: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') cleaned[name] = value.trim();
  }
  return cleaned;
}

/** A whole number from `min` to `max`, written in decimal digits. */
export function integer(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
}

export const portNumber = integer(1, 65_535);

export const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });

/** A service's origin: request paths are appended to it, so a path of its own would be lost. */
export const originUrl = httpUrl.refine(
  (url) => ['', '/'].includes(new URL(url).pathname) && new URL(url).search === '',
  'must be an origin such as http://host:3001, without a path or query',
);

/** Why `file` (set by `variable`) cannot be read, naming the variable; undefined when it can. */
export function readableFileProblem(variable: string, file: string): string | undefined {
  try {
    accessSync(file, fsConstants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return `${variable}: cannot read ${file} (${code})`;
  }
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Secret) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
