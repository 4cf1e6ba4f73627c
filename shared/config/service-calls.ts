import { callerLevels, callersOf, stopOrder, type CallGraph } from './call-graph';
import type { ServiceName } from './load-config';

/**
 * Which service of the fleet calls which. The one place the stop order and the callee's wait for its
 * callers come from; when each service declares what it calls in its own manifest, this table is
 * built from those declarations instead.
 */
export const SERVICE_CALLS: CallGraph<ServiceName> = Object.freeze({
  gateway: ['catalog', 'pricing'],
  catalog: [],
  pricing: [],
});

/** The services of the fleet that call `service`. */
export function callersOfService(service: ServiceName): ServiceName[] {
  return callersOf(SERVICE_CALLS, service);
}

/** The services of the fleet that `service` calls. */
export function calleesOfService(service: ServiceName): ServiceName[] {
  return [...SERVICE_CALLS[service]];
}

/** How many levels of callers stand above `service` (0 for the gateway). */
export function callerLevelsOf(service: ServiceName): number {
  return callerLevels(SERVICE_CALLS, service);
}

/** The whole fleet's stop order: callers first, services of one group together. */
export function fleetStopOrder(): ServiceName[][] {
  return stopOrder(SERVICE_CALLS);
}

/** The whole fleet's start order: the services others call first, the edge last. */
export function fleetStartOrder(): ServiceName[] {
  return fleetStopOrder().reverse().flat();
}
