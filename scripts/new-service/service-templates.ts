/** What a scaffolded service is called and where it listens. */
export interface NewService {
  /** kebab-case: `order-history`. */
  readonly name: string;
  /** Its identifier in services/fleet.ts: `orderHistory`. */
  readonly identifier: string;
  readonly port: number;
  readonly metricsPort: number;
  /** The flag its one route reads: `order-history-greeting`. */
  readonly flagKey: string;
}

/** The files of a new service's folder, by path relative to the project root. */
export function serviceFiles(service: NewService): Record<string, string> {
  const { name, port, metricsPort, flagKey } = service;
  const folder = `services/${name}`;
  return {
    [`${folder}/service.ts`]: `import { defineService } from '../../shared/fleet';

/** ${name}: what it does, in one line. Scaffolded by \`npm run new-service\`. */
export const service = defineService({
  name: '${name}',
  port: ${port},
  metricsPort: ${metricsPort},
  // Own variables: env: z.object({ ${name.toUpperCase().replace(/-/g, '_')}_SOMETHING: z.string().default('…') }),
  // read as config.env.<NAME>. Services it calls: calls: ['other'] (rolled out first; config.upstreams.other).
  canary: { path: '/hello' },
  calls: [],
});
`,
    [`${folder}/app.ts`]: `import Router from '@koa/router';

import {
  createServiceApp,
  evaluationContext,
  type AppState,
  type ServiceAppDependencies,
} from '../../shared/http';

/** The flag this service reads (data/flags.json locally, LaunchDarkly with an SDK key). */
export const GREETING_FLAG = '${flagKey}';
export const DEFAULT_GREETING = 'Hello';

/** ${name}: one route, \`GET /hello\`, whose greeting comes from a flag. */
export function createApp(dependencies: ServiceAppDependencies) {
  const { flags } = dependencies;
  const router = new Router<AppState>();
  router.use(evaluationContext());

  router.get('/hello', async function hello(ctx) {
    const greeting = await flags.string(GREETING_FLAG, ctx.state.flagContext, DEFAULT_GREETING);
    ctx.body = { service: '${name}', greeting };
  });

  return createServiceApp(dependencies, router);
}
`,
    [`${folder}/main.ts`]: `import { runService } from '../../shared/runtime';
import { fleet } from '../fleet';
import { createApp } from './app';
import { service } from './service';

// The composition root: the runtime owns config, logger, flag client, socket and shutdown. Close what
// the service opens with dependencies.onShutdown(name, step).
runService({ manifest: service, fleet, createApp });
`,
    [`${folder}/app.test.ts`]: `import request from 'supertest';

import { createTestDependencies, type TestServiceDependencies } from '../../test/support/test-dependencies';
import { createApp, DEFAULT_GREETING, GREETING_FLAG } from './app';

describe('${name} app', () => {
  let deps: TestServiceDependencies;

  beforeEach(async () => {
    deps = await createTestDependencies('${name}');
  });

  afterEach(() => deps.close());

  it('GET /hello answers with the greeting the flag gives the caller', async () => {
    await deps.testData.update(deps.testData.flag(GREETING_FLAG).valueForAll('Hi there'));
    const response = await request(createApp(deps).callback()).get('/hello').expect(200);
    expect(response.body).toEqual({ service: '${name}', greeting: 'Hi there' });
  });

  it('GET /hello falls back to the default greeting when the flag is unknown', async () => {
    const response = await request(createApp(deps).callback()).get('/hello').expect(200);
    expect(response.body).toEqual({ service: '${name}', greeting: DEFAULT_GREETING });
  });
});
`,
  };
}

/** The local flag file's entry for the new service's flag: a string, the same for everyone. */
export function greetingFlag(flagKey: string, name: string): Record<string, unknown> {
  return {
    key: flagKey,
    version: 1,
    on: true,
    variations: [`Hello from ${name}`, 'Hello'],
    fallthrough: { variation: 0 },
    offVariation: 1,
    targets: [],
    rules: [],
    salt: flagKey,
  };
}
