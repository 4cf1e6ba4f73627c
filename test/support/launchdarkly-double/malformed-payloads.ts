import type { FlagDefinition } from './flag-model';
import type { SseEvent } from './stream-payloads';

/** One malformed stream message, and what is wrong with it. */
export interface MalformedPayload {
  readonly description: string;
  readonly event: SseEvent;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Fields a flag, or a part of one, cannot do without (SDK 9.13.7's evaluator and stream code read them). */
const REQUIRED = new Set([
  'key',
  'version',
  'on',
  'variations',
  'attribute',
  'op',
  'values',
  'variation',
  'weight',
]);

/** Inside these, any JSON is a legal value: a variation's value, a clause's operands. */
const ANY_JSON = new Set(['variations', 'values']);

/** A value of another JSON type than `value`'s, so it is wrong wherever `value` is right. */
function wrongTypes(value: Json): Json[] {
  if (Array.isArray(value)) return [{ not: 'an array' }, 'a string'];
  switch (typeof value) {
    case 'string':
      return [42, ['a string in an array']];
    case 'number':
      return ['42', { n: 42 }, -1.5];
    case 'boolean':
      return ['true', 1];
    case 'object':
      return value === null ? [] : [['an', 'array'], 'a string'];
  }
}

/**
 * Every flag that differs from `flag` in one place in a way no valid flag can: each field (at any
 * depth) of the wrong type, each required field missing or null, a list entry that is null. Values
 * inside `variations` and clause `values` are left alone: any JSON is legal there.
 */
export function malformedFlags(flag: FlagDefinition): Array<{ description: string; flag: Json }> {
  const mutants: Array<{ description: string; flag: Json }> = [];
  const walk = (value: Json, path: Array<string | number>, replace: (next: Json | undefined) => Json) => {
    const where = path.join('.');
    const field = path.at(-1);
    const negativeIndex = field === 'variation' || field === 'offVariation';
    for (const wrong of wrongTypes(value)) {
      // -1.5 is a number, but no variation index or version: a wrong *value* for those fields only.
      if (wrong === -1.5 && !(negativeIndex || field === 'version')) continue;
      mutants.push({
        description: `${where || 'the flag'} = ${JSON.stringify(wrong)}`,
        flag: replace(wrong),
      });
    }
    if (typeof field === 'string' && REQUIRED.has(field)) {
      mutants.push({ description: `${where} missing`, flag: replace(undefined) });
      mutants.push({ description: `${where} = null`, flag: replace(null) });
    }
    if (typeof field === 'number') mutants.push({ description: `${where} = null`, flag: replace(null) });
    if (typeof field === 'string' && ANY_JSON.has(field)) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        walk(item, [...path, index], (next) => replace(value.map((old, at) => (at === index ? next! : old)))),
      );
    } else if (value !== null && typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) {
        walk(item, [...path, name], (next) => {
          const copy = { ...value };
          if (next === undefined) delete copy[name];
          else copy[name] = next;
          return replace(copy);
        });
      }
    }
  };
  const original = JSON.parse(JSON.stringify(flag)) as Json;
  walk(original, [], (next) => next ?? null);
  return mutants;
}

/** The JSON text of a value nested `depth` arrays deep (JSON.stringify would overflow the stack). */
function deeplyNestedJson(depth: number): string {
  return `${'['.repeat(depth)}"bottom"${']'.repeat(depth)}`;
}

function event(name: SseEvent['name'], data: string): SseEvent {
  return { name, data };
}

function put(data: unknown): SseEvent {
  return event('put', JSON.stringify({ path: '/', data }));
}

/**
 * The corpus: malformed `put`, `patch` and `delete` messages of every shape, built around `flag` (a
 * flag the fleet serves, its version raised so that a valid copy would be applied). None of them is
 * valid, so a client must refuse each and keep serving what it had.
 */
export function malformedPayloads(flag: FlagDefinition): MalformedPayload[] {
  const next = { ...flag, version: flag.version + 1000 };
  const path = `/flags/${flag.key}`;
  const corpus: MalformedPayload[] = [
    { description: 'put: not JSON', event: event('put', '{"path":"/","data":') },
    { description: 'put: JSON null', event: event('put', 'null') },
    { description: 'put: an array', event: event('put', '[]') },
    { description: 'put: no data', event: event('put', '{}') },
    { description: 'put: data null', event: put(null) },
    { description: 'put: data a string', event: put('flags') },
    { description: 'put: data an array', event: put([]) },
    { description: 'put: no flags', event: put({ segments: {} }) },
    { description: 'put: flags null', event: put({ flags: null, segments: {} }) },
    { description: 'put: flags an array', event: put({ flags: [next], segments: {} }) },
    { description: 'put: a flag null', event: put({ flags: { [flag.key]: null }, segments: {} }) },
    { description: 'put: a flag a number', event: put({ flags: { [flag.key]: 7 }, segments: {} }) },
    { description: 'put: a flag under another key', event: put({ flags: { other: next }, segments: {} }) },
    { description: 'put: segments a string', event: put({ flags: { [flag.key]: next }, segments: 'x' }) },
    { description: 'put: a segment null', event: put({ flags: {}, segments: { s: null } }) },
    {
      description: 'put: a segment with included a string',
      event: put({ flags: {}, segments: { s: { key: 's', version: 1, included: 'u1' } } }),
    },
    {
      description: 'put: a value nested 100,000 levels deep',
      event: event(
        'put',
        JSON.stringify({ data: { flags: { [flag.key]: { ...next, variations: ['DEEP'] } } } }).replace(
          '"DEEP"',
          deeplyNestedJson(100_000),
        ),
      ),
    },
    { description: 'patch: not JSON', event: event('patch', '{"path":') },
    { description: 'patch: no path', event: event('patch', JSON.stringify({ data: next })) },
    { description: 'patch: path null', event: event('patch', JSON.stringify({ path: null, data: next })) },
    { description: 'patch: path a number', event: event('patch', JSON.stringify({ path: 7, data: next })) },
    {
      description: 'patch: unknown path',
      event: event('patch', JSON.stringify({ path: '/nope/x', data: next })),
    },
    {
      description: 'patch: empty key',
      event: event('patch', JSON.stringify({ path: '/flags/', data: next })),
    },
    { description: 'patch: no data', event: event('patch', JSON.stringify({ path })) },
    { description: 'patch: data null', event: event('patch', JSON.stringify({ path, data: null })) },
    {
      description: 'patch: data under another key',
      event: event('patch', JSON.stringify({ path: '/flags/other', data: next })),
    },
    {
      description: 'patch: a segment with rules a string',
      event: event(
        'patch',
        JSON.stringify({ path: '/segments/s', data: { key: 's', version: 1, rules: 'x' } }),
      ),
    },
    { description: 'delete: not JSON', event: event('delete', 'nope') },
    { description: 'delete: no path', event: event('delete', JSON.stringify({ version: next.version })) },
    { description: 'delete: path null', event: event('delete', JSON.stringify({ path: null, version: 9 })) },
    { description: 'delete: no version', event: event('delete', JSON.stringify({ path })) },
    {
      description: 'delete: version a string',
      event: event('delete', JSON.stringify({ path, version: '9' })),
    },
    {
      description: 'delete: unknown path',
      event: event('delete', JSON.stringify({ path: '/x/y', version: 9 })),
    },
  ];
  for (const mutant of malformedFlags(next)) {
    corpus.push({
      description: `patch: ${mutant.description}`,
      event: event('patch', JSON.stringify({ path, data: mutant.flag })),
    });
    corpus.push({
      description: `put: ${mutant.description}`,
      event: put({ flags: { [flag.key]: mutant.flag }, segments: {} }),
    });
  }
  return corpus;
}
