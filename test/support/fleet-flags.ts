import {
  booleanFlag,
  numberFlag,
  stringFlag,
  withRule,
  type FlagDefinition,
  type LaunchDarklyDouble,
} from './launchdarkly-double';

/** The SDK key the fleet uses against the double; never a real one. */
export const DOUBLE_SDK_KEY = 'sdk-e2e-0000-double';

/**
 * The fleet's four flags as the double serves them. Every default differs from the fallback value
 * in the code (`featured`, 0, false), so a response tells whether the instance had real flags.
 */
export function fleetFlags(): FlagDefinition[] {
  return [
    withRule(
      stringFlag('catalog-sort', ['featured', 'price-asc', 'newest'], 2),
      { attribute: 'plan', op: 'in', values: ['free'] },
      1,
    ),
    withRule(
      withRule(
        numberFlag('pricing-discount-percent', [0, 5, 10, 20], 1),
        { attribute: 'plan', op: 'in', values: ['pro'] },
        2,
      ),
      { attribute: 'plan', op: 'in', values: ['enterprise'] },
      3,
    ),
    booleanFlag('pricing-free-shipping', true),
    booleanFlag('maintenance-mode', false),
  ];
}

/** Points every instance's LaunchDarkly client at the double (the relay mode of the config). */
export function launchDarklyEnv(
  double: Pick<LaunchDarklyDouble, 'url'>,
  sdkKey = DOUBLE_SDK_KEY,
): Record<string, string> {
  return {
    LAUNCHDARKLY_SDK_KEY: sdkKey,
    LAUNCHDARKLY_BASE_URI: double.url,
    LAUNCHDARKLY_STREAM_URI: double.url,
    LAUNCHDARKLY_EVENTS_URI: double.url,
  };
}
