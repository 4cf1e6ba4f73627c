import type Koa from 'koa';
import type http from 'node:http';

/**
 * The app as Node's request listener, which ignores what it returns. Nothing is lost by not
 * awaiting Koa's handler: it answers a failed request itself (`ctx.onerror`), so its promise never
 * rejects.
 */
export function requestListener(app: Pick<Koa, 'callback'>): http.RequestListener {
  const handle = app.callback();
  return (request, response) => void handle(request, response);
}
