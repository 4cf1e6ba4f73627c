import { acceptable, judgeReadiness } from './readiness';

const reply = (status: number, body: unknown) => ({
  status,
  servedBy: 'catalog#canary',
  text: typeof body === 'string' ? body : JSON.stringify(body),
});
const flags = (initialized: boolean, lastError: { message: string } | null = null) => ({
  mode: 'relay',
  initialized,
  initDurationMs: 3,
  lastUpdateAt: null,
  lastError,
});

describe('judgeReadiness', () => {
  it('is ready when serving with flags initialised', () => {
    expect(judgeReadiness(reply(200, { status: 'serving', flags: flags(true) }))).toEqual({
      verdict: 'ready',
    });
  });

  it('is degraded, with the SDK error, when serving without flags', () => {
    const readiness = judgeReadiness(
      reply(200, { status: 'serving', flags: flags(false, { message: 'Authentication failed' }) }),
    );
    expect(readiness).toEqual({
      verdict: 'degraded',
      reason: 'LaunchDarkly flags not initialised (Authentication failed)',
    });
    expect(acceptable(readiness, false)).toBe(false);
    expect(acceptable(readiness, true)).toBe(true);
  });

  it('asks again while starting', () => {
    expect(judgeReadiness(reply(503, { status: 'starting', flags: flags(false) }))).toEqual({
      verdict: 'starting',
    });
  });

  it.each([
    [503, { status: 'draining', flags: flags(true) }, /answered 503/],
    [500, 'Internal Server Error', /answered 500: Internal Server Error/],
    [200, 'ok', /without a flag state/],
    [200, { status: 'serving' }, /without a flag state/],
    [404, { error: { code: 'not_found' } }, /answered 404/],
  ])('fails on %d %j', (status, body, reason) => {
    const readiness = judgeReadiness(reply(status, body));
    expect(readiness.verdict).toBe('failed');
    expect(readiness.verdict === 'failed' && readiness.reason).toMatch(reason);
    expect(acceptable(readiness, true)).toBe(false);
  });
});
