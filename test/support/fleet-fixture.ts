import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from './fleet-flags';
import { startLaunchDarklyDouble, type FlagDefinition, type LaunchDarklyDouble } from './launchdarkly-double';
import { startFleet, type Fleet } from './pm2-fleet';

export interface FleetWithDouble {
  readonly double: LaunchDarklyDouble;
  readonly fleet: Fleet;
}

export interface FleetWithDoubleOptions {
  readonly instances?: number;
  readonly flags?: readonly FlagDefinition[];
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Also wait until every instance's stream has had its `put`, so changes made by the tests reach
   * all of them. Leave it off where flags are meant not to arrive (a refused key).
   */
  readonly untilEveryInstanceHasFlags?: boolean;
}

/**
 * For a describe block: a LaunchDarkly double and the whole fleet pointed at it, started before its
 * tests and always torn down after them, whether they pass or not. Read it inside the tests.
 */
export function useFleetWithDouble(options: FleetWithDoubleOptions = {}): FleetWithDouble {
  let double: LaunchDarklyDouble | undefined;
  let fleet: Fleet | undefined;

  beforeAll(async () => {
    double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: options.flags ?? fleetFlags() });
    const instances = options.instances ?? 2;
    fleet = await startFleet({ instances, env: { ...launchDarklyEnv(double), ...options.env } });
    if (options.untilEveryInstanceHasFlags) {
      await double.waitForStreams(3 * instances, 15_000, (stream) => stream.putAt !== undefined);
    }
  }, 90_000);

  afterAll(async () => {
    try {
      await fleet?.destroy();
    } finally {
      await double?.close();
    }
  }, 60_000);

  return {
    get double() {
      if (!double) throw new Error('the double is not started (used outside a test?)');
      return double;
    },
    get fleet() {
      if (!fleet) throw new Error('the fleet is not started (used outside a test?)');
      return fleet;
    },
  };
}
