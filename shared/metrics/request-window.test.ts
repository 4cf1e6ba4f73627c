import { createRequestWindow } from './request-window';

const sample = (durationMs: number, status = '200') => ({ method: 'GET', route: '/r', status, durationMs });

describe('createRequestWindow', () => {
  it('reports requests and 5xx per minute and the p95 latency of the last minute only', () => {
    let now = 1_000_000;
    const window = createRequestWindow({ now: () => now });
    expect(window.summary()).toEqual({ requestsPerMinute: 0, serverErrorsPerMinute: 0, p95Ms: null });

    for (let i = 1; i <= 100; i += 1) window.record(sample(i, i % 10 === 0 ? '503' : '200'));
    expect(window.summary()).toEqual({ requestsPerMinute: 100, serverErrorsPerMinute: 10, p95Ms: 95 });

    now += 61_500;
    window.record(sample(7, '404'));
    expect(window.summary()).toEqual({ requestsPerMinute: 1, serverErrorsPerMinute: 0, p95Ms: 7 });
  });

  it('keeps counting every request past maxSamples, taking the p95 over the latest samples', () => {
    const window = createRequestWindow({ maxSamples: 10, now: () => 5_000 });
    for (let i = 0; i < 50; i += 1) window.record(sample(1000));
    for (let i = 0; i < 10; i += 1) window.record(sample(1));
    expect(window.summary()).toMatchObject({ requestsPerMinute: 60, p95Ms: 1 });
  });

  it('after the ring of samples has wrapped, still drops samples older than the window and keeps the newer ones', () => {
    let now = 2_000_000;
    const window = createRequestWindow({ maxSamples: 4, now: () => now });
    for (let i = 1; i <= 6; i += 1) window.record(sample(500 + i)); // wraps: the ring holds 503…506
    now += 30_000;
    window.record(sample(2));
    window.record(sample(3));
    expect(window.summary()).toMatchObject({ requestsPerMinute: 8, p95Ms: 506 });

    now += 31_000; // the first six are out of the window, the last two are not
    expect(window.summary()).toEqual({ requestsPerMinute: 2, serverErrorsPerMinute: 0, p95Ms: 3 });
  });
});
