import { init, type LDClient, type LDOptions } from '@launchdarkly/node-server-sdk';

import { ldOptionsFor } from './sdk-options';

/**
 * Real SDK clients pointed at a double, closed together in `afterEach`, so no test leaves a stream
 * or a flush timer behind.
 */
export class SdkClients {
  private readonly open: LDClient[] = [];

  /** `init(sdkKey, ldOptionsFor(double, overrides))`; the key defaults to the one the double expects. */
  start(
    double: { readonly url: string; readonly sdkKey: string },
    overrides: LDOptions = {},
    sdkKey = double.sdkKey,
  ): LDClient {
    const client = init(sdkKey, ldOptionsFor(double, overrides));
    this.open.push(client);
    return client;
  }

  /** Closes every client started here (close does not flush: flush first where events matter). */
  closeAll(): void {
    for (const client of this.open.splice(0)) client.close();
  }
}

/**
 * Resolves on the client's next `update:KEY` event; rejects after `timeoutMs`. Call it before
 * causing the change. (The SDK only fires it when the flag's version went up.)
 */
export function nextUpdate(client: LDClient, flagKey: string, timeoutMs = 2000): Promise<void> {
  const eventName = `update:${flagKey}`;
  return new Promise((resolve, reject) => {
    const onUpdate = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off(eventName, onUpdate);
      reject(new Error(`no ${eventName} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.once(eventName, onUpdate);
  });
}
