import type { Logger } from '../logging';

/** A service's own step at shutdown: closing a pool, a client, a file it holds. */
export type ShutdownStep = () => void | Promise<void>;

export interface ShutdownStepOptions {
  /** The longest the step may take; at most the whole budget for service steps. Default 1 s. */
  readonly timeoutMs?: number;
}

/** Where a service registers what it must close; `ServiceDependencies.onShutdown`. */
export type RegisterShutdownStep = (name: string, step: ShutdownStep, options?: ShutdownStepOptions) => void;

export interface ShutdownSteps {
  readonly register: RegisterShutdownStep;
  /**
   * Runs every step, last registered first (what was opened last is closed first), each bounded by
   * its timeout and by what is left of `budgetMs`. Never rejects: a step that throws or overruns is
   * logged and the rest still run. Resolves whether all went well.
   */
  run(logger: Logger, budgetMs: number): Promise<boolean>;
}

const DEFAULT_STEP_TIMEOUT_MS = 1_000;

class StepTimeout extends Error {}

export function createShutdownSteps(budgetMs: number): ShutdownSteps {
  const steps: Array<{ name: string; step: ShutdownStep; timeoutMs: number }> = [];
  return {
    register(name, step, options = {}) {
      const timeoutMs = options.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > budgetMs) {
        throw new RangeError(
          `shutdown step "${name}": timeoutMs must be a whole number of ms from 1 to ${budgetMs} (the budget every service step shares)`,
        );
      }
      steps.push({ name, step, timeoutMs });
    },

    async run(logger, budget) {
      const deadline = performance.now() + budget;
      let allWell = true;
      for (const { name, step, timeoutMs } of [...steps].reverse()) {
        const boundMs = Math.max(0, Math.min(timeoutMs, deadline - performance.now()));
        const startedAt = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          // eslint-disable-next-line no-await-in-loop -- one after another, in reverse order of registration
          await Promise.race([
            Promise.resolve().then(step),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new StepTimeout()), boundMs);
            }),
          ]);
          logger.info('Shutdown step done', { step: name, ms: Math.round(performance.now() - startedAt) });
        } catch (error) {
          allWell = false;
          if (error instanceof StepTimeout) {
            logger.warn('Shutdown step did not finish in time; going on without it', {
              step: name,
              timeoutMs: Math.round(boundMs),
            });
          } else {
            logger.error('Shutdown step failed', { step: name, error });
          }
        } finally {
          clearTimeout(timer);
        }
      }
      return allWell;
    },
  };
}
