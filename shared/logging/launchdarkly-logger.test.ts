import { captureJsonLines } from '../../test/support/log-capture';
import { createLogger, flushLogger } from './create-logger';
import { launchDarklyLogger } from './launchdarkly-logger';

describe('launchDarklyLogger', () => {
  async function run(
    use: (sdkLogger: ReturnType<typeof launchDarklyLogger>) => void,
    problems: string[] = [],
  ) {
    const { sink, lines } = captureJsonLines();
    const logger = createLogger({ service: 's', instance: '0', level: 'debug', format: 'json', sink });
    use(launchDarklyLogger(logger, (message) => problems.push(message)));
    await flushLogger(logger, 1000);
    return lines();
  }

  it('formats the SDK printf-style arguments instead of printing a bare %d', async () => {
    const lines = await run((sdk) => sdk.debug('Flushing %d events to %s', 3, '/bulk'));
    expect(lines[0]).toMatchObject({
      level: 'debug',
      msg: 'Flushing 3 events to /bulk',
      component: 'launchdarkly',
    });
  });

  it('keeps the SDK levels', async () => {
    const lines = await run((sdk) => {
      sdk.error('e');
      sdk.warn('w');
      sdk.info('i');
      sdk.debug('d');
    });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['error', 'e'],
      ['warn', 'w'],
      ['info', 'i'],
      ['debug', 'd'],
    ]);
  });

  it('reports warnings and errors, the only signal of a failing stream, to the listener', async () => {
    const problems: string[] = [];
    await run((sdk) => {
      sdk.info('Opened LaunchDarkly stream connection');
      sdk.warn('Received I/O error (%s) for streaming request - will retry', 'connect ECONNREFUSED');
      sdk.error('Authentication failed. Double check your SDK key.');
    }, problems);
    expect(problems).toEqual([
      'Received I/O error (connect ECONNREFUSED) for streaming request - will retry',
      'Authentication failed. Double check your SDK key.',
    ]);
  });
});

describe('launchDarklyLogger in an outage', () => {
  it('writes a repeated SDK warning once per window with the count, and still reports every one', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { sink, lines } = captureJsonLines();
    const logger = createLogger({ service: 's', instance: '0', level: 'info', format: 'json', sink });
    const problems: string[] = [];
    const sdk = launchDarklyLogger(logger, (message) => problems.push(message));
    for (let call = 0; call < 1000; call += 1) {
      sdk.warn('Variation called before LaunchDarkly client initialization completed');
    }
    jest.advanceTimersByTime(60_000);
    jest.useRealTimers();
    await flushLogger(logger, 1000);
    expect(lines().map((line) => line.msg)).toEqual([
      'Variation called before LaunchDarkly client initialization completed',
      'Variation called before LaunchDarkly client initialization completed (repeated 999 times in 60 s)',
    ]);
    expect(problems).toHaveLength(1000);
  });
});
