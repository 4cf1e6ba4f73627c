import type { LDContext } from '@launchdarkly/node-server-sdk';
import type Koa from 'koa';

/** What the shared middleware puts on `ctx.state` for the routes after it. */
export interface AppState {
  requestId: string;
  /** The caller's LaunchDarkly evaluation context, set by `evaluationContext()`. */
  flagContext: LDContext;
}

export type AppContext = Koa.ParameterizedContext<AppState>;
export type AppMiddleware = Koa.Middleware<AppState>;
