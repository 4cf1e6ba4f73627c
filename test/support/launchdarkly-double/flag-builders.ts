import type { FlagClause, FlagDefinition, JsonValue } from './flag-model';

/**
 * Small builders for real flag objects. Each returns a new flag (version 1, on, no targets or
 * rules); the `with…` helpers return a changed copy. Variation indexes are checked here, so a test
 * cannot build a flag the SDK would report as MALFORMED_FLAG by accident.
 */

function baseFlag(key: string, variations: readonly JsonValue[], fallthroughIndex: number): FlagDefinition {
  if (key === '') throw new RangeError('a flag key must not be empty');
  if (variations.length === 0) throw new RangeError(`flag ${key} needs at least one variation`);
  const flag: FlagDefinition = {
    key,
    version: 1,
    on: true,
    variations: [...variations],
    fallthrough: { variation: fallthroughIndex },
    offVariation: 0,
    targets: [],
    rules: [],
    prerequisites: [],
    salt: `${key}-salt`,
    trackEvents: false,
    trackEventsFallthrough: false,
    clientSide: false,
  };
  checkVariation(flag, fallthroughIndex);
  return flag;
}

function checkVariation(flag: FlagDefinition, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= flag.variations.length) {
    throw new RangeError(
      `variation ${index} is out of range for flag ${flag.key} (${flag.variations.length} variations)`,
    );
  }
}

/** Variations `[false, true]`; serves `value` to everyone, `false` when switched off. */
export function booleanFlag(key: string, value: boolean): FlagDefinition {
  return baseFlag(key, [false, true], value ? 1 : 0);
}

/** Serves `variations[fallthroughIndex]` to everyone; `variations[0]` when switched off. */
export function stringFlag(key: string, variations: readonly string[], fallthroughIndex = 0): FlagDefinition {
  return baseFlag(key, variations, fallthroughIndex);
}

/** Serves `variations[fallthroughIndex]` to everyone; `variations[0]` when switched off. */
export function numberFlag(key: string, variations: readonly number[], fallthroughIndex = 0): FlagDefinition {
  return baseFlag(key, variations, fallthroughIndex);
}

/** Serves `variations[fallthroughIndex]` to everyone; `variations[0]` when switched off. */
export function jsonFlag(
  key: string,
  variations: readonly JsonValue[],
  fallthroughIndex = 0,
): FlagDefinition {
  return baseFlag(key, variations, fallthroughIndex);
}

/**
 * Adds a rule after the existing ones: contexts matching every clause get `variation`. Example:
 * `withRule(flag, { attribute: 'plan', op: 'in', values: ['pro'] }, 1)`.
 */
export function withRule(
  flag: FlagDefinition,
  clauses: FlagClause | readonly FlagClause[],
  variation: number,
): FlagDefinition {
  checkVariation(flag, variation);
  const list: readonly FlagClause[] = isClauseList(clauses) ? clauses : [clauses];
  if (list.length === 0) throw new RangeError(`a rule on flag ${flag.key} needs at least one clause`);
  const rule = {
    id: `${flag.key}-rule-${flag.rules.length}`,
    clauses: list.map((c) => ({ ...c })),
    variation,
  };
  return { ...flag, rules: [...flag.rules, rule] };
}

function isClauseList(clauses: FlagClause | readonly FlagClause[]): clauses is readonly FlagClause[] {
  return Array.isArray(clauses);
}

/** Individually targets `user` context keys to `variation` (targets win over rules). */
export function withTargets(
  flag: FlagDefinition,
  userKeys: readonly string[],
  variation: number,
): FlagDefinition {
  checkVariation(flag, variation);
  return { ...flag, targets: [...flag.targets, { values: [...userKeys], variation }] };
}

/** Changes what contexts that match no target and no rule get. */
export function withFallthrough(flag: FlagDefinition, variation: number): FlagDefinition {
  checkVariation(flag, variation);
  return { ...flag, fallthrough: { variation } };
}

/** Switches targeting off: everyone gets `offVariation` (default: the flag's current one). */
export function turnedOff(flag: FlagDefinition, offVariation = flag.offVariation ?? 0): FlagDefinition {
  checkVariation(flag, offVariation);
  return { ...flag, on: false, offVariation };
}

/** Asks the SDK to send a full `feature` event for every evaluation of this flag. */
export function withTrackEvents(flag: FlagDefinition): FlagDefinition {
  return { ...flag, trackEvents: true };
}
