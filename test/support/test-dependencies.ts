import { init, integrations } from '@launchdarkly/node-server-sdk';

import { FlagClient } from '../../shared/flags';
import { createLogger, createRequestScope, type Logger, type RequestScope } from '../../shared/logging';
import { createLifecycle, type Lifecycle } from '../../shared/lifecycle';
import type { ServiceAppDependencies } from '../../shared/http';
import { captureJsonLines } from './log-capture';

/** Log lines a test can read back, as parsed JSON objects. */
export interface CapturedLog {
  readonly logger: Logger;
  lines(): Array<Record<string, unknown>>;
  /**
   * The lines logged for one request, once its access line (written after the response has gone)
   * is in. Everything logged while serving a request carries its id.
   */
  linesFor(requestId: string): Promise<Array<Record<string, unknown>>>;
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
  async function linesFor(requestId: string) {
    const deadline = Date.now() + 2000;
    const isAccessLine = (line: Record<string, unknown>) =>
      line.requestId === requestId && typeof line.status === 'number';
    while (!capture.lines().some(isAccessLine)) {
      if (Date.now() > deadline) throw new Error(`no access log line for request ${requestId}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return capture.lines().filter((line) => line.requestId === requestId);
  }
  return { logger, lines: capture.lines, linesFor };
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
    observeRequest: () => undefined,
    close: () => ld.close(),
  };
}
