import type { CallingService } from './call-order';

/** The services of `services` that call `name`. */
export function callersOf<Service extends CallingService>(
  services: readonly Service[],
  name: string,
): Service[] {
  return services.filter((service) => service.calls.includes(name));
}

/**
 * How many levels of callers stand above `name`: 0 for an edge service nobody calls, 1 for a service
 * only edge services call, and so on. On a whole-host stop a callee waits for its callers, so this
 * many shutdowns may come before its own.
 */
export function callerLevels(services: readonly CallingService[], name: string): number {
  const levels = (current: string, path: readonly string[]): number => {
    if (path.includes(current)) {
      throw new Error(`services call each other in a cycle: ${[...path, current].join(' → ')}`);
    }
    const callers = callersOf(services, current);
    return callers.length === 0
      ? 0
      : 1 + Math.max(...callers.map((caller) => levels(caller.name, [...path, current])));
  };
  return levels(name, []);
}

/**
 * The order to stop a whole host in: groups of services that may stop together, callers before the
 * services they call, so no service stops while a service that calls it still answers.
 */
export function stopOrder<Service extends CallingService>(services: readonly Service[]): Service[][] {
  const byLevel = new Map<number, Service[]>();
  for (const service of services) {
    const level = callerLevels(services, service.name);
    byLevel.set(level, [...(byLevel.get(level) ?? []), service]);
  }
  return [...byLevel.keys()].sort((a, b) => a - b).map((level) => byLevel.get(level)!);
}
