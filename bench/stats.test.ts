import { median, percentile } from './stats';

describe('percentile (nearest rank)', () => {
  it('gives the value at the rank, so p99 of 100 values is the 99th smallest', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
  });

  it('gives the lower middle value as the median of an even list, and never averages', () => {
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([7])).toBe(7);
  });

  it('refuses an empty list and a percentile outside 0…100', () => {
    expect(() => percentile([], 50)).toThrow(/empty/);
    expect(() => percentile([1], 101)).toThrow(/0 to 100/);
  });
});
