/** What ordering needs of a service: its name and the services it calls. */
export interface CallingService {
  readonly name: string;
  readonly calls: readonly string[];
}

/**
 * The services, each after every service it calls (so a new caller meets new callees), otherwise in
 * list order. Calls to services not in the list are ignored; the fleet checks refuse cycles, and a
 * cycle met here anyway is broken at the service listed first.
 */
export function callOrder<Service extends CallingService>(services: readonly Service[]): Service[] {
  const byName = new Map(services.map((service) => [service.name, service]));
  const ordered: Service[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  function place(service: Service): void {
    if (placed.has(service.name) || visiting.has(service.name)) return;
    visiting.add(service.name);
    for (const callee of service.calls) {
      const found = byName.get(callee);
      if (found) place(found);
    }
    visiting.delete(service.name);
    placed.add(service.name);
    ordered.push(service);
  }
  for (const service of services) place(service);
  return ordered;
}
