import type { LDLogger } from '@launchdarkly/node-server-sdk';
import { format } from 'node:util';

import type { Logger } from './create-logger';
import { createRepeatLimiter, type RepeatLimiterOptions } from './repeat-limiter';

export type SdkProblemListener = (message: string) => void;

/** The SDK's logger, and a way to say that an incident is over (see RepeatLimiter.reset). */
export interface LimitedLdLogger extends LDLogger {
  resetRepeats(): void;
}

/**
 * Routes the SDK's own log calls through winston. The SDK logs printf-style
 * (`logger.debug('Flushing %d events', n)`), so the arguments are formatted here; handing winston
 * to the SDK directly would print the bare `%d`. Warnings and errors are also reported to
 * `onProblem`: the Node SDK has no data-source status API, and these lines are the only place
 * where "stream refused, will retry" shows up.
 *
 * Lines the SDK repeats (a warning per evaluation while flags are missing, one per reconnect in an
 * outage) are rate-limited per instance: the first is written, the repeats are counted (see
 * repeat-limiter.ts). Debug lines are not limited; `onProblem` hears every line.
 */
export function launchDarklyLogger(
  logger: Logger,
  onProblem?: SdkProblemListener,
  limits?: RepeatLimiterOptions,
): LimitedLdLogger {
  const sdkLogger = logger.child({ component: 'launchdarkly' });
  const limited = createRepeatLimiter(({ level, message }) => sdkLogger[level](message), limits);
  return {
    error: (...args: unknown[]) => {
      const message = format(...args);
      limited({ level: 'error', message });
      onProblem?.(message);
    },
    warn: (...args: unknown[]) => {
      const message = format(...args);
      limited({ level: 'warn', message });
      onProblem?.(message);
    },
    info: (...args: unknown[]) => limited({ level: 'info', message: format(...args) }),
    debug: (...args: unknown[]) => sdkLogger.debug(format(...args)),
    resetRepeats: () => limited.reset(),
  };
}
