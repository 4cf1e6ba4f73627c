import Router from '@koa/router';
import request from 'supertest';

import { createTestDependencies, type TestServiceDependencies } from '../../test/support/test-dependencies';
import type { RequestSample } from '../metrics';
import { createServiceApp } from './create-service-app';
import type { AppState } from './app-types';

let deps: TestServiceDependencies;
beforeEach(async () => (deps = await createTestDependencies('metrics')));
afterEach(() => deps.close());

async function samplesFor(paths: readonly string[]): Promise<RequestSample[]> {
  const samples: RequestSample[] = [];
  const router = new Router<AppState>({ prefix: '/api' });
  router.get('/items/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  router.get('/broken', () => {
    throw new Error('bug');
  });
  const app = createServiceApp({ ...deps, observeRequest: (sample) => samples.push(sample) }, router);
  for (const path of paths) await request(app.callback()).get(path);
  // Reported when the response has gone ('close'), which may be just after supertest resolves.
  await new Promise((resolve) => setImmediate(resolve));
  return samples;
}

describe('httpMetrics', () => {
  it('labels a request with its route pattern and final status, never the raw path', async () => {
    const samples = await samplesFor(['/api/items/1', '/api/items/2', '/api/broken', '/readyz']);
    expect(samples.map(({ method, route, status }) => ({ method, route, status }))).toEqual([
      { method: 'GET', route: '/api/items/:id', status: '200' },
      { method: 'GET', route: '/api/items/:id', status: '200' },
      // The error handler's final answer, not the exception.
      { method: 'GET', route: '/api/broken', status: '500' },
      { method: 'GET', route: '/readyz', status: '200' },
    ]);
    expect(samples.every((sample) => sample.durationMs >= 0)).toBe(true);
  });

  it('puts every path that matched no route under one label, so scanners cannot grow the series', async () => {
    const samples = await samplesFor(['/wp-admin', '/api/nope/1']);
    expect(samples.map(({ route, status }) => ({ route, status }))).toEqual([
      { route: 'unmatched', status: '404' },
      { route: 'unmatched', status: '404' },
    ]);
  });
});
