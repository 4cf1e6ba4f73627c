import Koa from 'koa';
import request from 'supertest';

import type { AppState } from './app-types';
import { errorHandler } from './error-handler';
import { ANONYMOUS_CONTEXT, evaluationContext } from './evaluation-context';

function echoContext() {
  const app = new Koa<AppState>();
  app.use(errorHandler());
  app.use(evaluationContext());
  app.use((ctx) => {
    ctx.body = ctx.state.flagContext;
  });
  return request(app.callback());
}

describe('evaluationContext', () => {
  it('without X-User-Key, every caller shares the anonymous context', async () => {
    expect((await echoContext().get('/')).body).toEqual(ANONYMOUS_CONTEXT);
  });

  it('builds a user context with the plan lower-cased and the country upper-cased, as targeting rules compare exactly', async () => {
    const response = await echoContext()
      .get('/')
      .set('X-User-Key', 'user-1')
      .set('X-User-Plan', 'Pro')
      .set('X-User-Country', 'de');
    expect(response.body).toEqual({ kind: 'user', key: 'user-1', plan: 'pro', country: 'DE' });
  });

  it.each([
    ['X-User-Key', 'has spaces'],
    ['X-User-Key', 'k'.repeat(257)],
    ['X-User-Plan', 'pro plan'],
    ['X-User-Country', 'DEU'],
  ])('a malformed %s is a 400 that names it', async (header, value) => {
    const response = await echoContext().get('/').set(header, value);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { code: 'invalid_header', message: expect.stringContaining(header) },
    });
  });
});
