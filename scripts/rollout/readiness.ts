/** One HTTP reply as the rollout saw it. */
export interface HttpReply {
  readonly status: number;
  /** `X-Served-By`: `orders#1`, `orders#canary`. */
  readonly servedBy: string | undefined;
  readonly text: string;
}

/**
 * What a `/readyz` reply says about an instance:
 * - `ready`: serving with its flags initialised;
 * - `degraded`: serving, but on fallback flag values (LaunchDarkly unreachable or the key refused);
 * - `starting`: 503 while starting up: ask again;
 * - `failed`: any other answer (a 5xx, an unexpected body): the build is bad.
 */
export type Readiness =
  | { readonly verdict: 'ready' }
  | { readonly verdict: 'degraded'; readonly reason: string }
  | { readonly verdict: 'starting' }
  | { readonly verdict: 'failed'; readonly reason: string };

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

export function judgeReadiness(reply: HttpReply): Readiness {
  let body: Record<string, unknown> | undefined;
  try {
    body = asRecord(JSON.parse(reply.text));
  } catch {
    body = undefined;
  }
  if (reply.status === 503 && body?.status === 'starting') return { verdict: 'starting' };
  if (reply.status !== 200) {
    return { verdict: 'failed', reason: `/readyz answered ${reply.status}: ${snippet(reply.text)}` };
  }
  const flags = asRecord(body?.flags);
  if (body?.status !== 'serving' || flags === undefined || typeof flags.initialized !== 'boolean') {
    return { verdict: 'failed', reason: `/readyz answered 200 without a flag state: ${snippet(reply.text)}` };
  }
  if (flags.initialized) return { verdict: 'ready' };
  const lastError = asRecord(flags.lastError);
  const why = typeof lastError?.message === 'string' ? lastError.message : 'no flag data yet';
  return { verdict: 'degraded', reason: `LaunchDarkly flags not initialised (${why})` };
}

/** Whether a reply is good enough: ready, or degraded when the operator allows degraded starts. */
export function acceptable(readiness: Readiness, allowDegraded: boolean): boolean {
  return readiness.verdict === 'ready' || (readiness.verdict === 'degraded' && allowDegraded);
}
