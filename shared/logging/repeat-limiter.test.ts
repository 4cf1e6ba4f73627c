import { createRepeatLimiter, type LimitedLine } from './repeat-limiter';

describe('createRepeatLimiter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes the first occurrence, counts the repeats, and says how many at the end of the window', () => {
    const written: LimitedLine[] = [];
    const limit = createRepeatLimiter((line) => written.push(line), { windowMs: 60_000 });
    const warning = {
      level: 'warn',
      message: 'Variation called before LaunchDarkly client initialization',
    } as const;
    for (let call = 0; call < 1235; call += 1) limit(warning);
    expect(written).toEqual([warning]);
    jest.advanceTimersByTime(60_000);
    expect(written).toEqual([
      warning,
      { level: 'warn', message: `${warning.message} (repeated 1,234 times in 60 s)` },
    ]);
    limit(warning); // a new window: its first occurrence is written again
    expect(written).toHaveLength(3);
  });

  it('lines that differ only in numbers are one line; other lines and levels are counted apart', () => {
    const written: LimitedLine[] = [];
    const limit = createRepeatLimiter((line) => written.push(line), { windowMs: 1000 });
    limit({ level: 'info', message: 'Will retry stream connection in 516 milliseconds' });
    limit({ level: 'info', message: 'Will retry stream connection in 1328 milliseconds' });
    limit({ level: 'warn', message: 'Will retry stream connection in 516 milliseconds' });
    limit({ level: 'error', message: 'Authentication failed' });
    expect(written.map((line) => line.level)).toEqual(['info', 'warn', 'error']);
    jest.advanceTimersByTime(1000);
    expect(written.at(-1)).toEqual({
      level: 'info',
      message: 'Will retry stream connection in 1328 milliseconds (repeated 1 times in 1 s)',
    });
    expect(written).toHaveLength(4); // lines that were not repeated get no count
  });

  it('past the number of distinct lines it tracks, writes every line rather than lose one', () => {
    const written: LimitedLine[] = [];
    const limit = createRepeatLimiter((line) => written.push(line), { maxTracked: 1 });
    limit({ level: 'warn', message: 'a' });
    limit({ level: 'warn', message: 'b' });
    limit({ level: 'warn', message: 'b' });
    expect(written.map((line) => line.message)).toEqual(['a', 'b', 'b']);
  });
});

describe('createRepeatLimiter reset', () => {
  it('ends the windows with their counts, so the next occurrence, a new incident, is written', () => {
    const written: string[] = [];
    const limit = createRepeatLimiter((line) => written.push(line.message), { windowMs: 60_000 });
    const line = {
      level: 'error',
      message: 'Error processing files: SyntaxError: Unexpected end of JSON input',
    } as const;
    limit(line);
    limit(line);
    limit.reset();
    limit(line);
    expect(written).toEqual([line.message, `${line.message} (repeated 1 times in 60 s)`, line.message]);
  });
});
