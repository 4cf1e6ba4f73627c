import { PassThrough, Writable } from 'node:stream';

import { createLogger, flushLogger } from './create-logger';
import { createRequestScope } from './request-scope';

function collect(sink: PassThrough): () => string[] {
  const lines: string[] = [];
  sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return () => lines;
}

describe('createLogger', () => {
  it('json: one object per line with time, level, msg, service, instance and pid first', async () => {
    const sink = new PassThrough();
    const lines = collect(sink);
    const logger = createLogger({ service: 'catalog', instance: '3', level: 'info', format: 'json', sink });
    logger.info('hello', { port: 3001 });
    await flushLogger(logger, 1000);

    expect(lines()).toHaveLength(1);
    const line = JSON.parse(lines()[0]!) as Record<string, unknown>;
    expect(Object.keys(line).slice(0, 6)).toEqual(['time', 'level', 'msg', 'service', 'instance', 'pid']);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'hello',
      service: 'catalog',
      instance: '3',
      pid: process.pid,
      port: 3001,
    });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('text: service#instance, pid and the message, then key=value fields', async () => {
    const sink = new PassThrough();
    const lines = collect(sink);
    const logger = createLogger({ service: 'pricing', instance: '1', level: 'info', format: 'text', sink });
    logger.info('LaunchDarkly client initialized', { mode: 'file', ms: 12, note: 'two words' });
    await flushLogger(logger, 1000);

    expect(lines()[0]).toMatch(
      new RegExp(
        `^\\S+Z info  pricing#1 pid=${process.pid} LaunchDarkly client initialized mode=file ms=12 note="two words"$`,
      ),
    );
  });

  it('tags every line written inside a request scope with its request id', async () => {
    const sink = new PassThrough();
    const lines = collect(sink);
    const requestScope = createRequestScope();
    const logger = createLogger({
      service: 's',
      instance: '0',
      level: 'info',
      format: 'json',
      sink,
      requestScope,
    });
    await requestScope.run('req-42', async () => {
      await Promise.resolve();
      logger.info('inside');
    });
    logger.info('outside');
    await flushLogger(logger, 1000);

    const [inside, outside] = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ msg: 'inside', requestId: 'req-42' });
    expect(outside).not.toHaveProperty('requestId');
  });

  it('prints errors with their stack', async () => {
    const sink = new PassThrough();
    const lines = collect(sink);
    const logger = createLogger({ service: 's', instance: '0', level: 'info', format: 'json', sink });
    logger.error('boom', { error: new TypeError('bad thing') });
    await flushLogger(logger, 1000);

    const line = JSON.parse(lines()[0]!) as { error: { name: string; message: string; stack: string } };
    expect(line.error).toMatchObject({ name: 'TypeError', message: 'bad thing' });
    expect(line.error.stack).toContain('create-logger.test.ts');
  });

  it('drops lines below the configured level', async () => {
    const sink = new PassThrough();
    const lines = collect(sink);
    const logger = createLogger({ service: 's', instance: '0', level: 'warn', format: 'json', sink });
    logger.info('quiet');
    logger.warn('loud');
    await flushLogger(logger, 1000);
    expect(lines().map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['loud']);
  });
});

describe('flushLogger', () => {
  it('resolves only after every queued line has been written, even when writes are slow', async () => {
    const written: string[] = [];
    const slowSink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        setTimeout(() => {
          written.push(chunk.toString('utf8'));
          done();
        }, 20);
      },
    });
    const logger = createLogger({
      service: 's',
      instance: '0',
      level: 'info',
      format: 'json',
      sink: slowSink,
    });
    for (let i = 1; i <= 6; i += 1) logger.info(`line ${i}`);
    await flushLogger(logger, 5000);

    const messages = written
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
  });

  it('gives up after the timeout when the sink never finishes', async () => {
    const stuckSink = new Writable({ write: () => undefined });
    const logger = createLogger({
      service: 's',
      instance: '0',
      level: 'info',
      format: 'json',
      sink: stuckSink,
    });
    logger.info('never written');
    const startedAt = Date.now();
    await flushLogger(logger, 50);
    // Gave up at its timeout rather than wait for a sink that never drains (20 timeouts' margin).
    expect(Date.now() - startedAt).toBeLessThan(50 * 20);
  });
});

describe('a logger after its final flush', () => {
  it('drops late lines instead of throwing an unhandled error event', async () => {
    const sink = new PassThrough();
    const logger = createLogger({ service: 's', instance: '0', level: 'info', format: 'json', sink });
    await flushLogger(logger, 1000);
    expect(() => logger.warn('a second signal arrived')).not.toThrow();
  });
});

describe('under PM2', () => {
  it('writes through PM2 own stdout replacement, which takes the callback only as its third argument', async () => {
    const lines: string[] = [];
    let callbacks = 0;
    // PM2's ProcessContainer: write(string, encoding, cb) passes `encoding` on and calls only `cb`.
    const pm2Stdout = {
      write(text: string, _encoding?: unknown, done?: () => void): boolean {
        lines.push(text);
        setImmediate(() => {
          callbacks += 1;
          done?.();
        });
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const logger = createLogger({
      service: 's',
      instance: '0',
      level: 'info',
      format: 'text',
      sink: pm2Stdout,
    });
    logger.info('one');
    logger.info('two');
    logger.info('three');
    const startedAt = Date.now();
    await flushLogger(logger, 60_000);

    // Well before its timeout: it returned when the lines were written, not when it gave up.
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(lines.join('')).toMatch(/one\n.*two\n.*three\n$/s);
    expect(callbacks).toBe(lines.length);
  });

  it('text lines keep an error and its stack on the one line', async () => {
    const sink = new PassThrough();
    const lines = collect(sink);
    const logger = createLogger({ service: 's', instance: '0', level: 'info', format: 'text', sink });
    logger.error('boom', { error: new Error('bad'), after: 'field' });
    await flushLogger(logger, 1000);

    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/ boom error="Error: bad\\n {4}at .*" after=field$/);
  });
});
