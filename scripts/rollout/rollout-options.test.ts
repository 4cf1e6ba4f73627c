import { DEFAULT_SETTLE_S, parseRolloutOptions, UsageError } from './rollout-options';

describe('parseRolloutOptions', () => {
  it('has strict defaults: degraded starts refused, canary bound from the fleet, a settle period', () => {
    expect(parseRolloutOptions([], {})).toEqual({
      all: false,
      allowDegraded: false,
      canaryTimeoutMs: undefined,
      settleMs: DEFAULT_SETTLE_S * 1000,
      help: false,
    });
  });

  it('reads the environment', () => {
    expect(
      parseRolloutOptions([], {
        ROLLOUT_ALL: 'true',
        ROLLOUT_ALLOW_DEGRADED: '1',
        ROLLOUT_CANARY_TIMEOUT_S: '12',
        ROLLOUT_SETTLE_S: '0',
      }),
    ).toEqual({ all: true, allowDegraded: true, canaryTimeoutMs: 12_000, settleMs: 0, help: false });
  });

  it('rolls only changed services unless --all or ROLLOUT_ALL=1 asks for every one', () => {
    expect(parseRolloutOptions([], { ROLLOUT_ALL: 'false' }).all).toBe(false);
    expect(parseRolloutOptions([], { ROLLOUT_ALL: '1' }).all).toBe(true);
    expect(parseRolloutOptions(['--all'], { ROLLOUT_ALL: '0' }).all).toBe(true);
  });

  it('lets flags win over the environment, in both --name value and --name=value forms', () => {
    const options = parseRolloutOptions(['--canary-timeout', '20', '--settle=5', '--allow-degraded'], {
      ROLLOUT_CANARY_TIMEOUT_S: '12',
      ROLLOUT_ALLOW_DEGRADED: '0',
    });
    expect(options).toMatchObject({ allowDegraded: true, canaryTimeoutMs: 20_000, settleMs: 5_000 });
  });

  it.each([
    [['--canary-timeout'], {}, /--canary-timeout: needs a value/],
    [['--canary-timeout', '0'], {}, /--canary-timeout: must be a whole number of seconds from 1/],
    [['--settle', '2.5'], {}, /--settle: must be a whole number/],
    [['--force'], {}, /unknown argument "--force"/],
    [[], { ROLLOUT_ALLOW_DEGRADED: 'yes' }, /ROLLOUT_ALLOW_DEGRADED: must be 1 or 0/],
    [[], { ROLLOUT_ALL: 'everything' }, /ROLLOUT_ALL: must be 1 or 0/],
    [['--all=yes'], {}, /--all: takes no value, got "yes"/],
    [['--allow-degraded=0'], {}, /--allow-degraded: takes no value/],
    [[], { ROLLOUT_SETTLE_S: '-1' }, /ROLLOUT_SETTLE_S: must be a whole number/],
  ])('refuses %j %j with a message naming the option', (argv, env, message) => {
    expect(() => parseRolloutOptions(argv, env)).toThrow(UsageError);
    expect(() => parseRolloutOptions(argv, env)).toThrow(message);
  });

  it('takes --help', () => {
    expect(parseRolloutOptions(['--help'], {}).help).toBe(true);
  });
});
