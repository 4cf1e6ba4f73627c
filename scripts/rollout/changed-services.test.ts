import { fleet } from '../../services/fleet';
import type { BuildFingerprint } from '../../shared/build';
import type { InstanceStatus } from '../../shared/ops';
import { fleetInstance } from '../../test/support/fleet-instances';
import { decideServices, instanceChange, type InstanceBuilds } from './changed-services';

/** A service of the demo fleet (services/fleet.ts). */
type ServiceName = 'gateway' | 'catalog' | 'pricing';

const built: BuildFingerprint = { files: 'f1', environment: 'e1' };

function status(build: BuildFingerprint | null | undefined): InstanceStatus {
  const base: InstanceStatus = { service: 'catalog', instance: '0', pid: 1, phase: 'serving', flags: null };
  return build === undefined ? base : { ...base, build };
}

/** An instance of `service` that runs `running` (as it reports it) and would run `next` once reloaded. */
function builds(
  service: ServiceName,
  pmId: number,
  running: InstanceStatus | null,
  next: BuildFingerprint | Error = built,
): InstanceBuilds {
  return { instance: fleetInstance({ service, pmId }), status: running, next };
}

/** Two instances per service, every one already running `built`. */
function upToDateFleet(): InstanceBuilds[] {
  return [
    builds('gateway', 0, status(built)),
    builds('catalog', 1, status(built)),
    builds('pricing', 2, status(built)),
    builds('gateway', 3, status(built)),
    builds('catalog', 4, status(built)),
    builds('pricing', 5, status(built)),
  ];
}

const SERVICES = fleet.map((service) => service.name);

describe('instanceChange', () => {
  it('is nothing when the instance reports the build a reload would give it', () => {
    expect(instanceChange(builds('catalog', 1, status(built)))).toBeUndefined();
  });

  it('tells new files from a new environment', () => {
    expect(instanceChange(builds('catalog', 1, status({ ...built, files: 'old' })))).toBe(
      'new code, dependencies or start-up data',
    );
    expect(instanceChange(builds('catalog', 1, status({ ...built, environment: 'old' })))).toBe(
      'new environment',
    );
    expect(instanceChange(builds('catalog', 1, status({ files: 'old', environment: 'old' })))).toBe(
      'new code, dependencies or start-up data, and new environment',
    );
  });

  it('counts an instance that cannot say which build it runs as changed, saying why', () => {
    expect(instanceChange(builds('catalog', 1, null))).toBe('did not answer the status query');
    expect(instanceChange(builds('catalog', 1, status(undefined)))).toMatch(/^reports no build fingerprint/);
    expect(instanceChange(builds('catalog', 1, status(null)))).toMatch(
      /^could not fingerprint its own build/,
    );
    expect(instanceChange(builds('catalog', 1, status(built), new Error('EISDIR: package-lock.json')))).toBe(
      'the new build cannot be fingerprinted (EISDIR: package-lock.json)',
    );
  });
});

describe('decideServices', () => {
  it('rolls nothing when every instance already runs the build', () => {
    expect(decideServices(upToDateFleet(), false, SERVICES)).toEqual(
      (['gateway', 'catalog', 'pricing'] as const).map((service) => ({
        service,
        roll: false,
        changed: false,
        reason: 'unchanged: every instance runs this build',
      })),
    );
  });

  it('rolls only the service whose build changed, when any one of its instances differs', () => {
    const fleet = upToDateFleet();
    fleet[4] = builds('catalog', 4, status({ ...built, files: 'old' }));

    const decisions = decideServices(fleet, false, SERVICES);

    expect(decisions.filter((decision) => decision.roll).map((decision) => decision.service)).toEqual([
      'catalog',
    ]);
    expect(decisions.find((decision) => decision.service === 'catalog')).toMatchObject({
      changed: true,
      reason: 'new code, dependencies or start-up data (pm_id 4)',
    });
  });

  it('names every reason with its pm_ids', () => {
    const fleet = upToDateFleet();
    fleet[0] = builds('gateway', 0, null);
    fleet[3] = builds('gateway', 3, status(undefined));
    fleet.push(builds('gateway', 6, null));

    const gateway = decideServices(fleet, false, SERVICES).find((decision) => decision.service === 'gateway');

    expect(gateway?.reason).toBe(
      'did not answer the status query (pm_id 0, 6); reports no build fingerprint (started before instances reported one) (pm_id 3)',
    );
  });

  it('with --all rolls every service, still telling the changed ones from the others', () => {
    const fleet = upToDateFleet();
    fleet[2] = builds('pricing', 2, status({ ...built, environment: 'old' }));

    const decisions = decideServices(fleet, true, SERVICES);

    expect(decisions.map(({ service, roll, changed }) => ({ service, roll, changed }))).toEqual([
      { service: 'gateway', roll: true, changed: false },
      { service: 'catalog', roll: true, changed: false },
      { service: 'pricing', roll: true, changed: true },
    ]);
  });
});
