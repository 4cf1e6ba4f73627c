import type { Logger } from './create-logger';

/**
 * A warning logged once per distinct `key` rather than on every request: a flag misconfigured in
 * LaunchDarkly would otherwise write one line per request. Remembers at most `limit` keys.
 */
export function createWarnOnce(
  logger: Logger,
  limit = 100,
): (key: string, message: string, meta?: object) => void {
  const seen = new Set<string>();
  return (key, message, meta) => {
    if (seen.has(key) || seen.size >= limit) return;
    seen.add(key);
    logger.warn(message, meta);
  };
}
