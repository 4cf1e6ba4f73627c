import { EvaluationTally } from './evaluation-tally';

describe('EvaluationTally', () => {
  it('counts by flag and variation index, fallbacks as "none", and starts again from zero after a drain', () => {
    const tally = new EvaluationTally();
    tally.record('catalog-sort', 2);
    tally.record('catalog-sort', 2);
    tally.record('catalog-sort', 0);
    tally.record('maintenance-mode', null);
    tally.record('maintenance-mode', undefined);

    expect(tally.drain()).toEqual(
      expect.arrayContaining([
        { flag: 'catalog-sort', variation: '2', count: 2 },
        { flag: 'catalog-sort', variation: '0', count: 1 },
        { flag: 'maintenance-mode', variation: 'none', count: 2 },
      ]),
    );
    expect(tally.drain()).toEqual([]);
    tally.record('catalog-sort', 1);
    expect(tally.drain()).toEqual([{ flag: 'catalog-sort', variation: '1', count: 1 }]);
  });

  it('reports only variations that were served, never an empty slot', () => {
    const tally = new EvaluationTally();
    tally.record('pricing-discount-percent', 3);
    expect(tally.drain()).toEqual([{ flag: 'pricing-discount-percent', variation: '3', count: 1 }]);
  });
});
