export type { AppContext, AppMiddleware, AppState } from './app-types';
export { createServiceApp, type ServiceAppDependencies } from './create-service-app';
export { errorHandler } from './error-handler';
export {
  ANONYMOUS_CONTEXT,
  USER_HEADERS,
  contextFromHeaders,
  evaluationContext,
  headerContext,
  type ContextMapping,
} from './evaluation-context';
export { healthRoutes, type HealthDependencies } from './health-routes';
export { jsonBody, type JsonBodyOptions } from './json-body';
export { requestId } from './request-id';
export { requestListener } from './request-listener';
export { requestLogger } from './request-logger';
export { httpMetrics, UNMATCHED_ROUTE } from './http-metrics';
export { discardUnreadBody, UNREAD_BODY_LIMITS, type UnreadBodyLimits } from './unread-body';
