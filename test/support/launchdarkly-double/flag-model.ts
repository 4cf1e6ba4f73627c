/**
 * The shape of LaunchDarkly flag data as the server-side SDK reads it from the FDv1 stream and the
 * polling endpoint (see the SDK's `evaluation/data/Flag.ts`). Only the fields the double and its
 * builders use are typed; the SDK ignores anything it does not know.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Clause operators the SDK's evaluator understands. */
export type ClauseOp =
  | 'in'
  | 'startsWith'
  | 'endsWith'
  | 'contains'
  | 'matches'
  | 'lessThan'
  | 'lessThanOrEqual'
  | 'greaterThan'
  | 'greaterThanOrEqual'
  | 'before'
  | 'after'
  | 'segmentMatch'
  | 'semVerEqual'
  | 'semVerLessThan'
  | 'semVerGreaterThan';

export interface FlagClause {
  /** A context attribute, e.g. `plan` or `key`. */
  readonly attribute: string;
  readonly op: ClauseOp;
  readonly values: readonly JsonValue[];
  readonly negate?: boolean;
  /** Defaults to `user` in the SDK. */
  readonly contextKind?: string;
}

export interface FlagRule {
  readonly id: string;
  /** All clauses must match. */
  readonly clauses: readonly FlagClause[];
  readonly variation: number;
  readonly trackEvents?: boolean;
}

/** Individual targeting of `user` context keys. */
export interface FlagTarget {
  readonly values: readonly string[];
  readonly variation: number;
}

export interface WeightedVariation {
  readonly variation: number;
  /** Out of 100000. */
  readonly weight: number;
}

export type FlagFallthrough =
  | { readonly variation: number }
  | { readonly rollout: { readonly variations: readonly WeightedVariation[]; readonly bucketBy?: string } };

export interface FlagDefinition {
  readonly key: string;
  readonly version: number;
  readonly on: boolean;
  readonly variations: readonly JsonValue[];
  readonly fallthrough: FlagFallthrough;
  readonly offVariation?: number;
  readonly targets: readonly FlagTarget[];
  readonly rules: readonly FlagRule[];
  readonly prerequisites: readonly { readonly key: string; readonly variation: number }[];
  readonly salt: string;
  readonly trackEvents: boolean;
  readonly trackEventsFallthrough: boolean;
  readonly clientSide: boolean;
}

/** The body of a `put` event's `data`, and of the polling response. */
export interface AllData {
  readonly flags: Readonly<Record<string, FlagDefinition>>;
  readonly segments: Readonly<Record<string, never>>;
}
