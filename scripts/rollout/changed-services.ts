import type { BuildFingerprint } from '../../shared/build';
import type { InstanceStatus } from '../../shared/ops';
import type { FleetInstance } from './fleet-instance';

/** One instance: what it said about itself (null: no answer), and what it will run once reloaded. */
export interface InstanceBuilds {
  readonly instance: FleetInstance;
  readonly status: InstanceStatus | null;
  readonly next: BuildFingerprint | Error;
}

export interface ServiceDecision {
  readonly service: string;
  /** Canary it and reload its instances. */
  readonly roll: boolean;
  /** Whether its build differs from what its instances run (as far as they can tell). */
  readonly changed: boolean;
  /** Why, for the operator: what differs and on which pm_ids, or that nothing does. */
  readonly reason: string;
}

/** Why one instance must be reloaded to run the next build; undefined when it already runs it. */
export function instanceChange({ status, next }: InstanceBuilds): string | undefined {
  if (next instanceof Error) return `the new build cannot be fingerprinted (${next.message})`;
  if (status === null) return 'did not answer the status query';
  if (status.build === undefined)
    return 'reports no build fingerprint (started before instances reported one)';
  if (status.build === null) return 'could not fingerprint its own build at start-up';
  const files = status.build.files !== next.files;
  const environment = status.build.environment !== next.environment;
  if (files && environment) return 'new code, dependencies or start-up data, and new environment';
  if (files) return 'new code, dependencies or start-up data';
  if (environment) return 'new environment';
  return undefined;
}

/**
 * Which services to roll: those with an instance whose build would change (or that cannot say which
 * build it runs), or every one with `all`. In the order of `services` (the fleet list's).
 */
export function decideServices(
  builds: readonly InstanceBuilds[],
  all: boolean,
  services: readonly string[],
): ServiceDecision[] {
  return services
    .filter((service) => builds.some((build) => build.instance.service === service))
    .map((service) => {
      const byReason = new Map<string, number[]>();
      for (const build of builds.filter((candidate) => candidate.instance.service === service)) {
        const why = instanceChange(build);
        if (why) byReason.set(why, [...(byReason.get(why) ?? []), build.instance.pmId]);
      }
      const changed = byReason.size > 0;
      const reason = changed
        ? [...byReason]
            .map(([why, ids]) => `${why} (pm_id ${ids.sort((a, b) => a - b).join(', ')})`)
            .join('; ')
        : 'unchanged: every instance runs this build';
      return { service, roll: changed || all, changed, reason };
    });
}
