/**
 * Lets tests await a condition on recorded state instead of sleeping: the owner calls `notify()`
 * after every change, and each waiter re-checks its condition then.
 */
export class ChangeSignal {
  private readonly listeners = new Set<() => void>();
  private closedReason: Error | undefined;

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Resolves with the first defined result of `check`, checked now and after each change; rejects
   * after `timeoutMs` with `describe()` (what was expected and what was seen).
   */
  waitFor<T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    const first = check();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        settle();
      };
      const listener = (): void => {
        if (this.closedReason) {
          const reason = this.closedReason;
          finish(() => reject(reason));
          return;
        }
        const result = check();
        if (result !== undefined) finish(() => resolve(result));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`))),
        timeoutMs,
      );
      this.listeners.add(listener);
    });
  }

  /** Rejects every pending and future wait with `reason`. */
  close(reason: Error): void {
    this.closedReason = reason;
    this.notify();
  }
}
