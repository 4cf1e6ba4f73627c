import { init, integrations } from '@launchdarkly/node-server-sdk';

import { FlagClient } from '../../shared/flags';
import { createLogger, createRequestScope, type Logger, type RequestScope } from '../../shared/logging';
import { createLifecycle, type Lifecycle } from '../../shared/runtime';
import type { ServiceAppDependencies } from '../../shared/http';
import { captureJsonLines } from './log-capture';

/** Log lines a test can read back, as parsed JSON objects. */
export interface CapturedLog {
  readonly logger: Logger;
  lines(): Array<Record<string, unknown>>;
}

export function captureLogs(
  service = 'test',
  requestScope: RequestScope = createRequestScope(),
): CapturedLog {
  const capture = captureJsonLines();
  const logger = createLogger({
    service,
    instance: '0',
    level: 'debug',
    format: 'json',
    requestScope,
    sink: capture.sink,
  });
  return { logger, lines: capture.lines };
}

export interface TestServiceDependencies extends ServiceAppDependencies {
  readonly testData: integrations.TestData;
  readonly lifecycle: Lifecycle;
  readonly log: CapturedLog;
  /** Closes the flag client; call it in afterEach. */
  close(): void;
}

/**
 * Everything a service's `createApp` needs, with flags from the SDK's TestData (no network, no
 * file), a captured JSON logger, and a lifecycle already serving.
 */
export async function createTestDependencies(service = 'test'): Promise<TestServiceDependencies> {
  const testData = new integrations.TestData();
  const requestScope = createRequestScope();
  const log = captureLogs(service, requestScope);
  const ld = init('test-sdk-key', {
    updateProcessor: testData.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined },
  });
  const flags = new FlagClient(ld, 'file');
  await flags.waitForFlags(5);
  const lifecycle = createLifecycle();
  lifecycle.enter('serving');
  return {
    testData,
    flags,
    lifecycle,
    log,
    logger: log.logger,
    requestScope,
    close: () => ld.close(),
  };
}
