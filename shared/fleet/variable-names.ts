/** `order-history` → `ORDER_HISTORY`: the prefix of a service's variables. */
export function variablePrefix(service: string): string {
  return service.toUpperCase().replace(/-/g, '_');
}

/** `CATALOG_PORT`: the variable that sets a service's port. */
export function portVariable(service: string): string {
  return `${variablePrefix(service)}_PORT`;
}

/** `CATALOG_METRICS_PORT`: the variable that sets a service's first metrics port. */
export function metricsPortVariable(service: string): string {
  return `${variablePrefix(service)}_METRICS_PORT`;
}

/** `CATALOG_URL`: the origin a caller reaches a service at (another host, a load balancer). */
export function urlVariable(service: string): string {
  return `${variablePrefix(service)}_URL`;
}
