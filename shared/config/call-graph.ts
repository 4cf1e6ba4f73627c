/**
 * Which service calls which, as a graph: each service with the services it calls. Knows no service
 * by name; the fleet's own table is in service-calls.ts.
 */
export type CallGraph<Name extends string> = Readonly<Record<Name, readonly Name[]>>;

/** The services that call `service`. */
export function callersOf<Name extends string>(graph: CallGraph<Name>, service: Name): Name[] {
  return (Object.keys(graph) as Name[]).filter((caller) => graph[caller].includes(service));
}

/**
 * How many levels of callers stand above `service`: 0 for an edge service nobody calls, 1 for a
 * service only edge services call, and so on. A callee stopping with its callers waits for them, so
 * this many shutdowns may come before its own.
 */
export function callerLevels<Name extends string>(graph: CallGraph<Name>, service: Name): number {
  const levels = (name: Name, path: readonly Name[]): number => {
    if (path.includes(name))
      throw new Error(`services call each other in a cycle: ${[...path, name].join(' → ')}`);
    const callers = callersOf(graph, name);
    return callers.length === 0
      ? 0
      : 1 + Math.max(...callers.map((caller) => levels(caller, [...path, name])));
  };
  return levels(service, []);
}

/**
 * The order to stop a whole host in: groups of services that may stop together, callers before the
 * services they call, so no service stops while a service that calls it still answers.
 */
export function stopOrder<Name extends string>(graph: CallGraph<Name>): Name[][] {
  const byLevel = new Map<number, Name[]>();
  for (const service of Object.keys(graph) as Name[]) {
    const level = callerLevels(graph, service);
    byLevel.set(level, [...(byLevel.get(level) ?? []), service]);
  }
  return [...byLevel.keys()].sort((a, b) => a - b).map((level) => byLevel.get(level)!);
}
