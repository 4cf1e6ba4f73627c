export type StopSignal = 'SIGINT' | 'SIGTERM';
export type CrashOrigin = 'uncaughtException' | 'unhandledRejection';

/**
 * The parts of `process` the service runner uses, so tests can drive signals, PM2 messages,
 * crashes and exits without touching the real process.
 */
export interface ProcessPort {
  readonly env: NodeJS.ProcessEnv;
  /** Present only with an IPC channel (under PM2); `process.send` is undefined otherwise. */
  readonly send?: (message: unknown) => void;
  onSignal(signal: StopSignal, listener: () => void): void;
  onMessage(listener: (message: unknown) => void): void;
  onCrash(listener: (error: unknown, origin: CrashOrigin) => void): void;
  exit(code: number): void;
  /** Where a message goes when there is no logger yet (a bad configuration); resolves once written. */
  writeError(text: string): Promise<void>;
}

export function realProcess(): ProcessPort {
  return {
    env: process.env,
    send: process.send ? (message) => process.send?.(message) : undefined,
    onSignal: (signal, listener) => process.on(signal, listener),
    onMessage: (listener) => process.on('message', listener),
    onCrash(listener) {
      process.on('uncaughtException', (error) => listener(error, 'uncaughtException'));
      process.on('unhandledRejection', (reason) => listener(reason, 'unhandledRejection'));
    },
    exit: (code) => process.exit(code),
    // Wait for the write: under PM2 stderr goes to a file asynchronously, and an exit right after
    // it would lose the one line that says why the instance cannot start.
    writeError: (text) => new Promise((resolve) => process.stderr.write(text, 'utf8', () => resolve())),
  };
}
