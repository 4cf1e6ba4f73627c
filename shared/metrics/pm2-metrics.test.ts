import type { FlagClientState } from '../flags';
import { instanceProbes, startPm2Metrics } from './pm2-metrics';

describe('startPm2Metrics', () => {
  afterEach(() => jest.useRealTimers());

  it('sends the probes as an axm:monitor message now and every interval, until stopped', () => {
    jest.useFakeTimers();
    const sent: unknown[] = [];
    let calls = 0;
    const publisher = startPm2Metrics({
      send: (message) => sent.push(message),
      underPm2: true,
      intervalMs: 1000,
      probes: () => ({ Calls: { value: (calls += 1) } }),
    });
    publisher.publish();
    jest.advanceTimersByTime(2000);
    publisher.stop();
    jest.advanceTimersByTime(5000);
    expect(sent).toEqual([1, 2, 3].map((value) => ({ type: 'axm:monitor', data: { Calls: { value } } })));
  });

  it.each([
    ['without an IPC channel', undefined, true],
    ["with an IPC channel that is not PM2's (a test runner's)", () => undefined, false],
  ])('does nothing %s', (_, send, underPm2) => {
    jest.useFakeTimers();
    const probes = jest.fn(() => ({}));
    const publisher = startPm2Metrics({ send, underPm2, probes, intervalMs: 10 });
    publisher.publish();
    jest.advanceTimersByTime(100);
    expect(probes).not.toHaveBeenCalled();
  });
});

describe('instanceProbes', () => {
  const now = Date.parse('2026-01-01T00:10:00.000Z');
  const requests = { requestsPerMinute: 120, serverErrorsPerMinute: 2, p95Ms: 14.5 };

  it("shows the flag client's state and the last minute of requests", () => {
    const flags: FlagClientState = {
      mode: 'relay',
      initialized: false,
      initDurationMs: 5000,
      lastUpdateAt: null,
      lastError: { message: 'Authentication failed', at: '2026-01-01T00:09:30.000Z' },
      source: { state: 'interrupted', since: '2026-01-01T00:09:15.000Z', reason: 'stream failed: HTTP 401' },
    };
    expect(instanceProbes(flags, requests, now)).toEqual({
      'Flag client mode': { value: 'relay' },
      'Flags initialized': { value: 'no' },
      'Flags served': { value: 'fallback' },
      'Flags last update': { value: 'never' },
      'Flag client last error': { value: '30s ago: Authentication failed' },
      'Flag source': { value: 'not delivering since 45s ago: stream failed: HTTP 401' },
      'Requests, last min': { value: 120, unit: 'req/min' },
      '5xx, last min': { value: 2, unit: 'err/min' },
      'p95 latency, last min': { value: 14.5, unit: 'ms' },
    });
  });

  it('says so while the flag client does not exist yet', () => {
    expect(instanceProbes(null, requests, now)).toMatchObject({
      'Flag client mode': { value: 'starting' },
      'Flags initialized': { value: 'no' },
    });
  });
});
