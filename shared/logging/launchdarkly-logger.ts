import type { LDLogger } from '@launchdarkly/node-server-sdk';
import { format } from 'node:util';

import type { Logger } from './create-logger';

export type SdkProblemListener = (message: string) => void;

/**
 * Routes the SDK's own log calls through winston. The SDK logs printf-style
 * (`logger.debug('Flushing %d events', n)`), so the arguments are formatted here; handing winston
 * to the SDK directly would print the bare `%d`. Warnings and errors are also reported to
 * `onProblem`: the Node SDK has no data-source status API, and these lines are the only place
 * where "stream refused, will retry" shows up.
 */
export function launchDarklyLogger(logger: Logger, onProblem?: SdkProblemListener): LDLogger {
  const sdkLogger = logger.child({ component: 'launchdarkly' });
  return {
    error: (...args: unknown[]) => {
      const message = format(...args);
      sdkLogger.error(message);
      onProblem?.(message);
    },
    warn: (...args: unknown[]) => {
      const message = format(...args);
      sdkLogger.warn(message);
      onProblem?.(message);
    },
    info: (...args: unknown[]) => sdkLogger.info(format(...args)),
    debug: (...args: unknown[]) => sdkLogger.debug(format(...args)),
  };
}
