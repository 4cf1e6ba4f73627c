import type { IncomingHttpHeaders } from 'node:http';

import type { LDContext, LDSingleKindContext } from '@launchdarkly/node-server-sdk';

import { AppError } from '../errors';
import type { AppContext, AppMiddleware } from './app-types';

/** The headers that describe the caller to LaunchDarkly, and what each may contain. */
export const USER_HEADERS = {
  key: { name: 'X-User-Key', pattern: /^[A-Za-z0-9._:@+-]{1,256}$/, rule: '1-256 letters, digits or ._:@+-' },
  plan: { name: 'X-User-Plan', pattern: /^[a-z0-9_-]{1,32}$/i, rule: '1-32 letters, digits, _ or -' },
  country: { name: 'X-User-Country', pattern: /^[a-z]{2}$/i, rule: 'a two-letter ISO 3166-1 code' },
} as const;

/** Every caller without a key shares this anonymous context, so it is bucketed consistently. */
export const ANONYMOUS_CONTEXT: LDSingleKindContext = Object.freeze({
  kind: 'user',
  key: 'anonymous',
  anonymous: true,
});

/** The header's value when it is one string that matches its rule; a 400 naming the header otherwise. */
function checked(value: string | string[] | undefined, which: keyof typeof USER_HEADERS): string | undefined {
  if (value === undefined) return undefined;
  const { name, pattern, rule } = USER_HEADERS[which];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new AppError(400, 'invalid_header', `${name} must be ${rule}`);
  }
  return value;
}

/** Builds the LaunchDarkly context from request headers (lower-case names, as Node gives them). */
export function contextFromHeaders(headers: IncomingHttpHeaders): LDContext {
  // This runs for every request: named reads and a context written field by field, no spreads
  // (`npm run bench`, figure 2, measures what it adds to an evaluation).
  const key = checked(headers['x-user-key'], 'key');
  const plan = checked(headers['x-user-plan'], 'plan');
  const country = checked(headers['x-user-country'], 'country');
  const context: LDSingleKindContext = key === undefined ? { ...ANONYMOUS_CONTEXT } : { kind: 'user', key };
  // Targeting rules compare exactly: normalise case so `Pro` gets what `pro` gets.
  if (plan !== undefined) context.plan = plan.toLowerCase();
  if (country !== undefined) context.country = country.toUpperCase();
  return context;
}

/**
 * How a service turns a request into the LaunchDarkly context its flags are evaluated for. Throwing an
 * AppError answers the request with it (a 400 for a malformed header, say).
 */
export type ContextMapping = (ctx: AppContext) => LDContext;

/** The default mapping: the X-User-* headers (see USER_HEADERS). */
export const headerContext: ContextMapping = (ctx) => contextFromHeaders(ctx.headers);

/**
 * Puts the caller's context on `ctx.state.flagContext`, as the service's mapping makes it (the user
 * headers by default; a malformed one is a 400 naming it).
 */
export function evaluationContext(toContext: ContextMapping = headerContext): AppMiddleware {
  return async function evaluationContext(ctx, next) {
    ctx.state.flagContext = toContext(ctx);
    await next();
  };
}
