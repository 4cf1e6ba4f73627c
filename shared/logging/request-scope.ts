import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Carries the current request's id through every await of that request, so each log line written
 * while serving it (ours or the SDK's) is tagged without passing the id by hand.
 */
export interface RequestScope {
  run<T>(requestId: string, fn: () => T): T;
  currentRequestId(): string | undefined;
}

export function createRequestScope(): RequestScope {
  const storage = new AsyncLocalStorage<string>();
  return {
    run: (requestId, fn) => storage.run(requestId, fn),
    currentRequestId: () => storage.getStore(),
  };
}
