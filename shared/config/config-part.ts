import type { z } from 'zod';

import { ConfigError } from './config-error';
import { deepFreeze, withoutEmptyValues, type Env } from './env-values';

/**
 * The variables one module reads and what it makes of them. Each module owns its part (the flag
 * client its LAUNCHDARKLY_* variables, the logger LOG_LEVEL and LOG_FORMAT, a service its own); the
 * runtime reads them all together with {@link readConfig}, so one start-up lists every problem.
 */
export interface ConfigPart<Value> {
  /** The variables, with their rules and defaults. */
  readonly schema: z.ZodObject;
  /**
   * Makes the value from the validated variables; checks that need several variables (or a file)
   * push a problem naming the variable instead.
   */
  build(variables: Record<string, unknown>, problems: string[]): Value;
}

/** A typed ConfigPart: `build` sees the schema's output. */
export function configPart<Schema extends z.ZodObject, Value>(
  schema: Schema,
  build: (variables: z.output<Schema>, problems: string[]) => Value,
): ConfigPart<Value> {
  return { schema, build: (variables, problems) => build(variables as z.output<Schema>, problems) };
}

export type ValueOf<Part> = Part extends ConfigPart<infer Value> ? Value : never;

/** Every variable the parts read. */
export function variablesOf(parts: Readonly<Record<string, ConfigPart<unknown>>>): string[] {
  return [...new Set(Object.values(parts).flatMap((part) => Object.keys(part.schema.shape)))];
}

/**
 * Reads the environment once (empty values count as unset), validates every part, and returns each
 * part's value, deeply frozen. Throws a ConfigError listing every problem, each naming its variable;
 * values are never echoed, so a mistyped SDK key cannot end up in a log.
 */
export function readConfig<Parts extends Readonly<Record<string, ConfigPart<unknown>>>>(
  env: Env,
  parts: Parts,
): { readonly [Name in keyof Parts]: ValueOf<Parts[Name]> } {
  const cleaned = withoutEmptyValues(env);
  const problems: string[] = [];
  const parsed = new Map<string, Record<string, unknown>>();
  for (const [name, part] of Object.entries(parts)) {
    const result = part.schema.safeParse(cleaned);
    if (result.success) parsed.set(name, result.data as Record<string, unknown>);
    else {
      problems.push(
        ...result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`),
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const values: Record<string, unknown> = {};
  for (const [name, part] of Object.entries(parts)) values[name] = part.build(parsed.get(name)!, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(values) as { readonly [Name in keyof Parts]: ValueOf<Parts[Name]> };
}
