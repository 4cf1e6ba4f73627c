import { init } from '@launchdarkly/node-server-sdk';

import { booleanFlag, ldOptionsFor, startLaunchDarklyDouble } from '../../test/support/launchdarkly-double';
import { FlagClient } from './flag-client';

describe('FlagClient analytics events at shutdown', () => {
  it('waits for a scheduled flush that is retrying after a 503, so that batch is not lost', async () => {
    const double = await startLaunchDarklyDouble({ sdkKey: 'sdk-flush', flags: [booleanFlag('f', true)] });
    const ld = init('sdk-flush', ldOptionsFor(double, { flushInterval: 24 * 60 * 60 }));
    const client = new FlagClient(ld, 'relay', 50);
    try {
      await client.waitForFlags(5);
      double.faults.events = 503;
      await client.boolean('f', { kind: 'user', key: 'in-the-retried-batch' }, false);
      // The scheduled flush has been refused once; the SDK now waits a second before its retry.
      await double.waitForEventPayloads(
        (payloads) => payloads.some((payload) => payload.status === 503),
        2000,
      );
      double.faults.events = 'ok';

      await client.shutdown(3000);

      // Delivered before shutdown returned, i.e. before the process would have exited.
      expect(double.contextKeys()).toContain('in-the-retried-batch');
    } finally {
      await double.close();
    }
  });
});
