import { z } from 'zod';

/**
 * The shape of LaunchDarkly flag data (FDv1: stream `put`/`patch`/`delete`, flag files) as far as the
 * SDK reads it, checked before the SDK sees it. SDK 9.13.7 trusts this data: a `put` whose `data` is
 * null, a flag that is null, a `rules` that is not an array… throw inside its stream listeners, where
 * nothing catches them, and take the process down; other wrong types are stored and break every
 * evaluation of the flag. Fields the SDK does not read are let through (LaunchDarkly adds fields).
 * Optional fields accept null: LaunchDarkly sends `"offVariation": null` and the SDK reads null as
 * absent.
 */

/** How deep a variation value may nest. The SDK and winston serialise values recursively. */
export const MAX_VALUE_DEPTH = 64;

const count = z.number().int().min(0);
const optional = <T extends z.ZodType>(schema: T) => schema.nullish();
const key = z.string().min(1, 'must be a non-empty string');

const clause = z.looseObject({
  attribute: z.string(),
  op: z.string(),
  values: z.array(z.unknown()),
  negate: optional(z.boolean()),
  contextKind: optional(z.string()),
});

const weightedVariation = z.looseObject({
  variation: count,
  weight: z.number(),
  untracked: optional(z.boolean()),
});

const rollout = z.looseObject({
  variations: z.array(weightedVariation),
  bucketBy: optional(z.string()),
  contextKind: optional(z.string()),
  kind: optional(z.string()),
  seed: optional(z.number()),
});

const variationOrRollout = {
  variation: optional(count),
  rollout: optional(rollout),
};

const target = z.looseObject({
  values: z.array(z.string()),
  variation: count,
  contextKind: optional(z.string()),
});

const rule = z.looseObject({
  id: optional(z.string()),
  clauses: optional(z.array(clause)),
  trackEvents: optional(z.boolean()),
  ...variationOrRollout,
});

const prerequisite = z.looseObject({ key, variation: count });

const tombstone = z.looseObject({ key, version: count, deleted: z.literal(true) });

const liveFlag = z.looseObject({
  key,
  version: count,
  on: z.boolean(),
  variations: z.array(z.unknown()),
  fallthrough: optional(z.looseObject(variationOrRollout)),
  offVariation: optional(count),
  targets: optional(z.array(target)),
  contextTargets: optional(z.array(target)),
  rules: optional(z.array(rule)),
  prerequisites: optional(z.array(prerequisite)),
  salt: optional(z.string()),
  trackEvents: optional(z.boolean()),
  trackEventsFallthrough: optional(z.boolean()),
  debugEventsUntilDate: optional(z.number()),
  clientSide: optional(z.boolean()),
  excludeFromSummaries: optional(z.boolean()),
  samplingRatio: optional(z.number()),
  deleted: optional(z.literal(false)),
});

const segmentTarget = z.looseObject({ contextKind: z.string(), values: z.array(z.string()) });

const segmentRule = z.looseObject({
  id: optional(z.string()),
  clauses: optional(z.array(clause)),
  weight: optional(z.number()),
  bucketBy: optional(z.string()),
  rolloutContextKind: optional(z.string()),
});

const liveSegment = z.looseObject({
  key,
  version: count,
  included: optional(z.array(z.string())),
  excluded: optional(z.array(z.string())),
  includedContexts: optional(z.array(segmentTarget)),
  excludedContexts: optional(z.array(segmentTarget)),
  rules: optional(z.array(segmentRule)),
  salt: optional(z.string()),
  unbounded: optional(z.boolean()),
  unboundedContextKind: optional(z.string()),
  generation: optional(count),
  deleted: optional(z.literal(false)),
});

type Item = Record<string, unknown>;
type Check = { ok: true } | { ok: false; problem: string };

function describe(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  if (!issue) return `${where}: invalid`;
  const at = [where, ...issue.path.map(String)].filter((part) => part !== '').join('.');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return `${at}: ${issue.message}${more}`;
}

/** Whether `value` nests deeper than `limit`, checked without recursion. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= limit) return true;
    for (const child of Object.values(next.value)) stack.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

/** Variation indexes that point past `variations`: the SDK would report every evaluation MALFORMED_FLAG. */
function indexProblem(flag: Item & { variations: unknown[] }): string | undefined {
  const size = flag.variations.length;
  const indexes: Array<[string, unknown]> = [['offVariation', flag.offVariation]];
  let missing: string | undefined;
  const collect = (where: string, holder: unknown) => {
    if (typeof holder !== 'object' || holder === null) return;
    const { variation, rollout: split } = holder as { variation?: unknown; rollout?: unknown };
    if (variation == null && split == null) missing ??= `${where}: has neither a variation nor a rollout`;
    indexes.push([`${where}.variation`, variation]);
    const weighted = (split as { variations?: unknown[] } | null | undefined)?.variations ?? [];
    weighted.forEach((entry, index) =>
      indexes.push([`${where}.rollout.variations.${index}.variation`, (entry as Item).variation]),
    );
  };
  collect('fallthrough', flag.fallthrough);
  ((flag.rules as unknown[] | null | undefined) ?? []).forEach((entry, index) =>
    collect(`rules.${index}`, entry),
  );
  for (const list of ['targets', 'contextTargets'] as const) {
    ((flag[list] as unknown[] | null | undefined) ?? []).forEach((entry, index) =>
      indexes.push([`${list}.${index}.variation`, (entry as Item).variation]),
    );
  }
  if (missing) return missing;
  const bad = indexes.find(([, index]) => typeof index === 'number' && index >= size);
  return bad && `${bad[0]}: variation ${String(bad[1])} does not exist (the flag has ${size})`;
}

/** One flag as the SDK stores it; `where` names it in the problem (`flags.my-flag`). */
export function checkFlag(value: unknown, where: string): Check {
  if (typeof value === 'object' && value !== null && (value as Item).deleted === true) {
    const parsed = tombstone.safeParse(value);
    return parsed.success ? { ok: true } : { ok: false, problem: describe(parsed.error, where) };
  }
  const parsed = liveFlag.safeParse(value);
  if (!parsed.success) return { ok: false, problem: describe(parsed.error, where) };
  const badIndex = indexProblem(parsed.data);
  if (badIndex) return { ok: false, problem: `${where}.${badIndex}` };
  if (nestsDeeperThan(parsed.data.variations, MAX_VALUE_DEPTH)) {
    return { ok: false, problem: `${where}.variations: nested deeper than ${MAX_VALUE_DEPTH} levels` };
  }
  return { ok: true };
}

export function checkSegment(value: unknown, where: string): Check {
  const schema =
    typeof value === 'object' && value !== null && (value as Item).deleted === true ? tombstone : liveSegment;
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true } : { ok: false, problem: describe(parsed.error, where) };
}

function checkItems(
  items: unknown,
  where: 'flags' | 'segments',
  checkItem: (value: unknown, where: string) => Check,
): Check {
  if (typeof items !== 'object' || items === null || Array.isArray(items)) {
    return { ok: false, problem: `${where}: must be an object of ${where} by key` };
  }
  for (const [itemKey, item] of Object.entries(items)) {
    const checked = checkItem(item, `${where}.${itemKey}`);
    if (!checked.ok) return checked;
    if ((item as Item).key !== itemKey) {
      return { ok: false, problem: `${where}.${itemKey}.key: is ${JSON.stringify((item as Item).key)}` };
    }
  }
  return { ok: true };
}

/** A full data set: `{ flags: {key: flag}, segments?: {key: segment} }`. */
export function checkAllData(data: unknown): Check {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, problem: 'data: must be an object with flags and segments' };
  }
  const { flags, segments } = data as Item;
  const flagsChecked = checkItems(flags, 'flags', checkFlag);
  if (!flagsChecked.ok) return flagsChecked;
  return segments == null ? { ok: true } : checkItems(segments, 'segments', checkSegment);
}

const ITEM_PATH = /^\/(flags|segments)\/(.+)$/;

function parse(text: unknown): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (typeof text !== 'string' || text === '') return { ok: false, problem: 'no data' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}

function asRecord(value: unknown): Item | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Item) : undefined;
}

/** A stream message's `path` (`/flags/KEY`, `/segments/KEY`): the only kinds FDv1 sends. */
function itemPath(value: unknown): { kind: 'flags' | 'segments'; key: string } | string {
  if (typeof value !== 'string') return 'path: must be a string such as /flags/KEY';
  const match = ITEM_PATH.exec(value);
  if (!match) return `path: ${JSON.stringify(value.slice(0, 100))} is neither /flags/KEY nor /segments/KEY`;
  return { kind: match[1] as 'flags' | 'segments', key: match[2]! };
}

/** Checks the text of a stream event (`put`, `patch`, `delete`) the SDK is about to process. */
export function checkStreamEvent(name: string, text: unknown): Check {
  const parsed = parse(text);
  if (!parsed.ok) return parsed;
  const message = asRecord(parsed.value);
  if (!message) return { ok: false, problem: 'message: must be a JSON object' };
  if (name === 'put') return checkAllData(message.data);
  const path = itemPath(message.path);
  if (typeof path === 'string') return { ok: false, problem: path };
  if (name === 'delete') {
    const version = count.safeParse(message.version);
    return version.success ? { ok: true } : { ok: false, problem: describe(version.error, 'version') };
  }
  const checked = (path.kind === 'flags' ? checkFlag : checkSegment)(message.data, 'data');
  if (!checked.ok) return checked;
  const dataKey = (message.data as Item).key;
  return dataKey === path.key
    ? { ok: true }
    : { ok: false, problem: `data.key: is ${JSON.stringify(dataKey)}, the path names ${path.key}` };
}
