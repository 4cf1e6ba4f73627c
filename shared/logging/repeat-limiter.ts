/** One line to write: its level and text. */
export interface LimitedLine {
  readonly level: 'error' | 'warn' | 'info';
  readonly message: string;
}

export interface RepeatLimiterOptions {
  /** After a line is written, the same line is only counted for this long. */
  readonly windowMs?: number;
  /** Distinct lines tracked at once; past it, lines are written unlimited rather than lost. */
  readonly maxTracked?: number;
}

const DEFAULT_WINDOW_MS = 60_000;
const DEFAULT_MAX_TRACKED = 1_000;

/** Lines that differ only in their numbers (a retry delay, an elapsed time) count as the same line. */
function repeatKey(line: LimitedLine): string {
  return `${line.level} ${line.message.replace(/\d+/g, '#')}`;
}

/**
 * Writes the first occurrence of a line, then only counts its repeats for `windowMs`; at the end of
 * the window it writes one line saying how many were suppressed (`… (repeated 1,234 times in 60 s)`),
 * and the next occurrence is written again. An outage that makes the SDK warn on every evaluation
 * writes two lines a minute, not thousands.
 */
export interface RepeatLimiter {
  (line: LimitedLine): void;
  /**
   * Ends every window now (writing its count): what comes next is a new incident, whose first line
   * must be written even if it reads like one of the last incident's.
   */
  reset(): void;
}

export function createRepeatLimiter(
  write: (line: LimitedLine) => void,
  { windowMs = DEFAULT_WINDOW_MS, maxTracked = DEFAULT_MAX_TRACKED }: RepeatLimiterOptions = {},
): RepeatLimiter {
  const windows = new Map<string, { suppressed: number; last: LimitedLine; timer: NodeJS.Timeout }>();
  const seconds = Math.round(windowMs / 1000);
  const close = (key: string) => {
    const window = windows.get(key);
    windows.delete(key);
    clearTimeout(window?.timer);
    if (!window || window.suppressed === 0) return;
    const times = window.suppressed.toLocaleString('en-US');
    write({ ...window.last, message: `${window.last.message} (repeated ${times} times in ${seconds} s)` });
  };
  const limit = (line: LimitedLine) => {
    const key = repeatKey(line);
    const window = windows.get(key);
    if (window) {
      window.suppressed += 1;
      window.last = line;
      return;
    }
    write(line);
    if (windows.size >= maxTracked) return;
    const timer = setTimeout(() => close(key), windowMs);
    timer.unref();
    windows.set(key, { suppressed: 0, last: line, timer });
  };
  return Object.assign(limit, { reset: () => [...windows.keys()].forEach(close) });
}
