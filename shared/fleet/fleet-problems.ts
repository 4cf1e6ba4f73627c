/** One service of the fleet as it will run: its ports resolved from the environment, its instance count. */
export interface PlannedService {
  readonly name: string;
  readonly port: number;
  /** Which variable set the port, or that it is the manifest's default: for the messages. */
  readonly portSource: string;
  readonly metricsPort: number;
  readonly metricsPortSource: string;
  readonly instances: number;
  readonly calls: readonly string[];
}

const KEBAB_CASE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const LAST_PORT = 65_535;

/** Why `name` cannot name a service (its folder, PM2 app and variable prefix); undefined when it can. */
export function serviceNameProblem(name: string): string | undefined {
  if (!KEBAB_CASE.test(name)) return 'must be kebab-case: lower-case letters and digits, words joined by -';
  if (name.length > 32) return 'must be at most 32 characters';
  return undefined;
}

function metricsRange(service: PlannedService): readonly [number, number] {
  return [service.metricsPort, service.metricsPort + service.instances - 1];
}

function describeRange(service: PlannedService): string {
  const [first, last] = metricsRange(service);
  return `metrics ports ${first}-${last} (${service.metricsPortSource})`;
}

/** Each cycle once, as `a → b → a`, found by depth-first search in list order. */
function dependencyCycles(services: readonly PlannedService[]): string[][] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const done = new Set<string>();
  const cycles: string[][] = [];
  function visit(name: string, path: readonly string[]): void {
    const at = path.indexOf(name);
    if (at >= 0) {
      cycles.push([...path.slice(at), name]);
      return;
    }
    if (done.has(name)) return;
    for (const callee of byName.get(name)?.calls ?? []) visit(callee, [...path, name]);
    done.add(name);
  }
  for (const service of services) visit(service.name, []);
  return cycles;
}

/**
 * What is wrong with the fleet as planned, one line per problem, each starting with the service it is
 * about: names that are not kebab-case or not unique, two services on one port, metrics port ranges
 * (base .. base + instances - 1) that overlap each other or a service port or run past 65535 (PM2's
 * cluster master would share the port and hand a scrape to any instance), a call to a service that is
 * not in the list, and calls that go round in a cycle (no order to roll them in).
 */
export function fleetProblems(services: readonly PlannedService[]): string[] {
  const problems: string[] = [];
  if (services.length === 0) problems.push('fleet: the fleet list holds no service');
  for (const [index, service] of services.entries()) {
    const earlier = services.slice(0, index);
    const nameProblem = serviceNameProblem(service.name);
    if (nameProblem) problems.push(`${service.name}: the name ${nameProblem}`);
    if (earlier.some((other) => other.name === service.name)) {
      problems.push(`${service.name}: listed twice in the fleet list`);
      continue;
    }
    const samePort = earlier.find((other) => other.port === service.port);
    if (samePort) {
      problems.push(
        `${service.name}: port ${service.port} (${service.portSource}) is ${samePort.name}'s port too; every service needs its own port`,
      );
    }
    const [first, last] = metricsRange(service);
    if (last > LAST_PORT) {
      problems.push(
        `${service.name}: ${describeRange(service)} for ${service.instances} instances run past port ${LAST_PORT}`,
      );
    }
    for (const other of earlier) {
      const [otherFirst, otherLast] = metricsRange(other);
      if (otherFirst <= last && first <= otherLast) {
        problems.push(
          `${service.name}: ${describeRange(service)} overlap ${other.name}'s ${describeRange(other)}`,
        );
      }
    }
    for (const other of services) {
      if (other.port >= first && other.port <= last) {
        problems.push(
          `${service.name}: ${describeRange(service)} include ${other.name}'s port ${other.port} (${other.portSource})`,
        );
      }
    }
    for (const callee of service.calls) {
      if (!services.some((other) => other.name === callee)) {
        problems.push(`${service.name}: calls ${callee}, which is not in the fleet list`);
      } else if (callee === service.name) {
        problems.push(`${service.name}: calls itself`);
      }
    }
  }
  for (const cycle of dependencyCycles(services)) {
    if (cycle.length > 2) problems.push(`${cycle[0]}: its calls go round in a cycle: ${cycle.join(' → ')}`);
  }
  return problems;
}
