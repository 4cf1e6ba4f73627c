/** What the operator can tune; every option is a flag and an environment variable. */
export interface RolloutOptions {
  /** Canary and reload every service, not only those whose build changed. */
  readonly all: boolean;
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

Compares the build in dist/ with the build each running instance reports, then, for each service
whose build changed only, checks the new build with a canary and reloads the service's instances one
at a time, checking each new instance, and stops at the first bad step. Nothing changed: exits 0.

Options (each also an environment variable):
  --all                     ROLLOUT_ALL=1              every service, changed or not
  --allow-degraded          ROLLOUT_ALLOW_DEGRADED=1   accept instances whose LaunchDarkly flags did not
                                                       initialise (they serve fallback values)
  --canary-timeout <s>      ROLLOUT_CANARY_TIMEOUT_S   how long a canary gets to become ready
                                                       (default: the fleet's listen_timeout + 10 s)
  --settle <s>              ROLLOUT_SETTLE_S           how long a canary and each new instance must stay
                                                       up unchanged (default ${DEFAULT_SETTLE_S})
  --help

Exit codes: 0 rolled out (or nothing changed); 2 bad option or no fleet (nothing changed); 3 canary refused (fleet
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
  throw new UsageError(`${name}: must be 1 or 0 (or true or false), got "${env[name]}"`);
}

/** Flags win over environment variables; unknown arguments are an error, never ignored. */
export function parseRolloutOptions(argv: readonly string[], env: Env): RolloutOptions {
  let all = flagValue(env, 'ROLLOUT_ALL');
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
    const noValue = (): true => {
      if (inline !== undefined) throw new UsageError(`${name}: takes no value, got "${inline}"`);
      return true;
    };
    switch (name) {
      case '--all':
        all = noValue();
        break;
      case '--allow-degraded':
        allowDegraded = noValue();
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
  return { all, allowDegraded, canaryTimeoutMs, settleMs, help };
}
