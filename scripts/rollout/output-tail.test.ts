import { OutputTail } from './output-tail';

describe('OutputTail', () => {
  it('keeps the last lines across chunk boundaries, skipping blank ones', () => {
    const tail = new OutputTail(2);
    tail.push('one\ntw');
    tail.push('o\n\nthree\nfou');
    expect(tail.text()).toBe('two\nthree\nfou');
  });
});
