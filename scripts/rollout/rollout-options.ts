/** What the operator can tune; every option is a flag and an environment variable. */
export interface RolloutOptions {
  /** Accept instances whose flags did not initialise (they serve fallback values). */
  readonly allowDegraded: boolean;
  /** How long a canary gets to answer `/readyz` 200; undefined: derived from PM2's `listen_timeout`. */
  readonly canaryTimeoutMs: number | undefined;
  /** How long a canary, then each new instance, must stay up unchanged before it counts as good. */
  readonly settleMs: number;
  readonly help: boolean;
}

export const DEFAULT_SETTLE_S = 3;

export const USAGE = `Usage: npm run rollout [-- options]     (or: node dist/scripts/rollout/main.js [options])

Checks the build in dist/ with one canary per service, then reloads the running PM2 fleet one
instance at a time, checking each new instance, and stops at the first bad step.

Options (each also an environment variable):
  --allow-degraded          ROLLOUT_ALLOW_DEGRADED=1   accept instances whose LaunchDarkly flags did not
                                                       initialise (they serve fallback values)
  --canary-timeout <s>      ROLLOUT_CANARY_TIMEOUT_S   how long a canary gets to become ready
                                                       (default: the fleet's listen_timeout + 10 s)
  --settle <s>              ROLLOUT_SETTLE_S           how long a canary and each new instance must stay
                                                       up unchanged (default ${DEFAULT_SETTLE_S})
  --help

Exit codes: 0 rolled out; 2 bad option or no fleet (nothing changed); 3 canary refused (fleet
untouched); 4 a reload step failed (see the report); 130 interrupted; 1 unexpected error.
PM2_HOME selects the PM2 daemon, as for the pm2 CLI.
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Env = Readonly<Record<string, string | undefined>>;

function seconds(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`${name}: must be a whole number of seconds from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw) * 1_000;
}

function flagValue(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new UsageError(`${name}: must be 1 or 0, got "${env[name]}"`);
}

/** Flags win over environment variables; unknown arguments are an error, never ignored. */
export function parseRolloutOptions(argv: readonly string[], env: Env): RolloutOptions {
  let allowDegraded = flagValue(env, 'ROLLOUT_ALLOW_DEGRADED');
  const canaryEnv = env.ROLLOUT_CANARY_TIMEOUT_S?.trim();
  let canaryTimeoutMs = canaryEnv ? seconds('ROLLOUT_CANARY_TIMEOUT_S', canaryEnv, 1, 600) : undefined;
  const settleEnv = env.ROLLOUT_SETTLE_S?.trim();
  let settleMs = settleEnv ? seconds('ROLLOUT_SETTLE_S', settleEnv, 0, 300) : DEFAULT_SETTLE_S * 1_000;
  let help = false;

  const args = [...argv];
  while (args.length > 0) {
    const arg = args.shift()!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg];
    const value = (): string => {
      const next = inline ?? args.shift();
      if (next === undefined) throw new UsageError(`${name}: needs a value`);
      return next;
    };
    switch (name) {
      case '--allow-degraded':
        allowDegraded = true;
        break;
      case '--canary-timeout':
        canaryTimeoutMs = seconds('--canary-timeout', value(), 1, 600);
        break;
      case '--settle':
        settleMs = seconds('--settle', value(), 0, 300);
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(`unknown argument "${arg}" (see --help)`);
    }
  }
  return { allowDegraded, canaryTimeoutMs, settleMs, help };
}
