import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { findProjectRoot } from '../../shared/config';
import type { FleetStatus, InstanceReport } from '../../shared/ops';
import { DOUBLE_SDK_KEY, fleetFlags, launchDarklyEnv } from '../support/fleet-flags';
import { useFleetWithDouble } from '../support/fleet-fixture';
import { waitForEveryInstance } from '../support/instance-sampler';
import {
  malformedPayloads,
  startLaunchDarklyDouble,
  withFallthrough,
  type LaunchDarklyDouble,
} from '../support/launchdarkly-double';
import { startLoad } from '../support/load-client';
import { startFleet, type Fleet } from '../support/pm2-fleet';
import { waitFor } from '../support/wait-for';

const git = promisify(execFile);
const INSTANCES = 2;
const TOTAL_INSTANCES = 3 * INSTANCES;
const projectRoot = findProjectRoot(__dirname);

/** `npm run status --json`: every instance's own report, through PM2. */
async function reports(fleet: Fleet): Promise<InstanceReport[]> {
  const { stdout } = await fleet.status('--json');
  return (JSON.parse(stdout) as FleetStatus).instances;
}

async function expectOnlineWithoutRestarts(fleet: Fleet): Promise<void> {
  const instances = await fleet.list();
  expect(instances).toHaveLength(TOTAL_INSTANCES);
  expect(
    instances.map((instance) => [instance.name, instance.pm2_env.status, instance.pm2_env.restart_time]),
  ).toEqual(instances.map((instance) => [instance.name, 'online', 0]));
}

function sortOf(reply: { status: number; body: unknown }): unknown {
  return reply.status === 200 ? (reply.body as { sort?: unknown }).sort : undefined;
}

describe('issue 10: the generated corpus of malformed stream messages, sent to a running fleet under load', () => {
  // The gateway's upstream timeout at its maximum, and the client's far above it: a slow answer on a
  // saturated machine is not what this test is about; an error, a 5xx or a reset is.
  const fixture = useFleetWithDouble({
    instances: INSTANCES,
    untilEveryInstanceHasFlags: true,
    env: { UPSTREAM_TIMEOUT_MS: '5000' },
  });

  it('no instance restarts, no request fails, every instance refuses every message, keeps its flags and says so until good data', async () => {
    const { double, fleet } = fixture;
    const corpus = malformedPayloads(double.flag('catalog-sort')!);
    // Bounded: stopped as soon as the corpus is through; the duration is only a backstop.
    const traffic = startLoad({
      baseUrl: fleet.url('gateway', ''),
      concurrency: 4,
      durationMs: 120_000,
      requestTimeoutMs: 60_000,
      request: (index) =>
        index % 2 === 0
          ? { path: '/api/products?limit=2' }
          : { method: 'POST', path: '/api/quotes', body: { items: [{ sku: 'KB-001', quantity: 1 }] } },
    });
    await waitFor('traffic flowing', () => traffic.completed() > 20);
    for (const payload of corpus) {
      expect(double.sendRaw(payload.event)).toBe(TOTAL_INSTANCES);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const refused = await waitFor(
      'every instance to report every message refused',
      async () => {
        const all = await reports(fleet);
        return all.length === TOTAL_INSTANCES &&
          all.every((report) => report.status?.flags?.rejectedData?.count === corpus.length)
          ? all
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const summary = await traffic.stop();

    expect(summary.failures).toEqual({});
    expect(summary.failed).toBe(0);
    expect(summary.ok).toBeGreaterThan(0);
    await expectOnlineWithoutRestarts(fleet);
    // Every instance: still initialized, still its flags, and the refusals in its status.
    for (const report of refused) {
      expect(report.status?.flags).toMatchObject({
        initialized: true,
        rejectedData: { count: corpus.length, source: expect.stringMatching(/^stream (put|patch|delete)$/) },
      });
      expect(report.warnings).toContainEqual(
        expect.stringMatching(new RegExp(`^${corpus.length} malformed flag payload\\(s\\) from the stream`)),
      );
      expect(report.problems).toEqual([]);
    }
    const catalog = await waitForEveryInstance(
      fleet.url('catalog', '/products?limit=1'),
      INSTANCES,
      {},
      (reply) => sortOf(reply) === 'newest',
    );
    expect(catalog.size).toBe(INSTANCES);
    const lines = await fleet.outLines();
    for (const instanceLines of lines.values()) {
      expect(
        instanceLines.some((line) => line.includes('Refused a malformed "put" message from the flag stream')),
      ).toBe(true);
    }

    // Good data: applied everywhere, and the warnings are gone.
    double.setFlag(withFallthrough(double.flag('catalog-sort')!, 1));
    await waitForEveryInstance(
      fleet.url('catalog', '/products?limit=1'),
      INSTANCES,
      {},
      (reply) => sortOf(reply) === 'price-asc',
    );
    await waitFor('no refusals reported after good data', async () =>
      (await reports(fleet)).every(
        (report) => report.status?.flags?.rejectedData === null && report.warnings.length === 0,
      ),
    );
  }, 180_000);
});

describe('issue 10: a stream that connects and sends nothing at start', () => {
  const INIT_TIMEOUT_S = 2;
  let double: LaunchDarklyDouble;
  let fleet: Fleet | undefined;

  beforeAll(async () => {
    double = await startLaunchDarklyDouble({ sdkKey: DOUBLE_SDK_KEY, flags: fleetFlags() });
    double.faults.stream = 'silent';
  });

  afterAll(async () => {
    try {
      await fleet?.destroy();
    } finally {
      await double.close();
    }
  }, 60_000);

  it('every instance starts on fallbacks, says why, and has its flags soon after the source is healthy: no 5-minute wait', async () => {
    fleet = await startFleet({
      instances: INSTANCES,
      env: { ...launchDarklyEnv(double), LAUNCHDARKLY_INIT_TIMEOUT_S: String(INIT_TIMEOUT_S) },
    });
    const starting = await reports(fleet);
    expect(starting.map((report) => report.status?.flags?.initialized)).toEqual(
      Array(TOTAL_INSTANCES).fill(false),
    );

    double.faults.stream = 'ok';
    // A silent stream is replaced after the init timeout, then after twice as long, capped at 30 s:
    // every instance reconnects within about 30 s of the source recovering. Allow twice that; the SDK
    // alone would wait for its 300 s read timeout.
    const recovered = await waitFor(
      'every instance initialized',
      async () => {
        const all = await reports(fleet!);
        return all.every((report) => report.status?.flags?.initialized === true) ? all : undefined;
      },
      { timeoutMs: 60_000 + INIT_TIMEOUT_S * 1_000, intervalMs: 500 },
    );
    expect(recovered).toHaveLength(TOTAL_INSTANCES);
    for (const report of recovered) {
      expect(report.status?.flags?.source).toMatchObject({ state: 'delivering' });
      expect(report.problems).toEqual([]);
    }
    const lines = await fleet.outLines();
    for (const instanceLines of lines.values()) {
      expect(instanceLines.some((line) => line.includes('the stream connected but sent no flag data'))).toBe(
        true,
      );
    }
    await expectOnlineWithoutRestarts(fleet);
  }, 150_000);
});

describe('issue 10: the flag file is seen however it is replaced, and a missing or malformed file shows in status', () => {
  let dir = '';
  let flagsFile = '';
  let fleet: Fleet | undefined;
  let version = 100;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'flagfleet-replace-'));
    flagsFile = path.join(dir, 'flags.json');
    await copyFile(path.join(projectRoot, 'data', 'flags.json'), flagsFile);
    // A repository of its own, so that `git checkout` can restore the file the way a deploy would.
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    };
    await git('git', ['init', '-q'], { cwd: dir, env });
    await git('git', ['add', 'flags.json'], { cwd: dir, env });
    await git('git', ['commit', '-qm', 'flags'], { cwd: dir, env });
    fleet = await startFleet({ instances: INSTANCES, env: { LAUNCHDARKLY_FLAGS_FILE: flagsFile } });
  }, 90_000);

  afterAll(async () => {
    try {
      await fleet?.destroy();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  /** The committed flag file with catalog-sort's fallthrough set and its version raised. */
  async function flagsWithSort(variation: number): Promise<string> {
    const flags = JSON.parse(await readFile(path.join(projectRoot, 'data', 'flags.json'), 'utf8')) as {
      flags: Record<string, { version: number; fallthrough: unknown }>;
    };
    version += 1;
    flags.flags['catalog-sort']!.fallthrough = { variation };
    flags.flags['catalog-sort']!.version = version;
    return `${JSON.stringify(flags, null, 2)}\n`;
  }

  const SORTS = ['featured', 'price-asc', 'newest'];

  async function everyInstanceServes(variation: number): Promise<void> {
    const matched = await waitForEveryInstance(
      fleet!.url('catalog', '/products?limit=1'),
      INSTANCES,
      {},
      (reply) => sortOf(reply) === SORTS[variation],
      { timeoutMs: 20_000 },
    );
    expect(matched.size).toBe(INSTANCES);
  }

  /** After each replacement, an in-place edit: the SDK's inode watch missed every edit after a replacement. */
  async function thenAnEditInPlace(): Promise<void> {
    await writeFile(flagsFile, await flagsWithSort(2));
    await everyInstanceServes(2);
    await writeFile(flagsFile, await flagsWithSort(1));
    await everyInstanceServes(1);
  }

  it('an in-place write', async () => {
    await writeFile(flagsFile, await flagsWithSort(2));
    await everyInstanceServes(2);
    await thenAnEditInPlace();
  }, 60_000);

  it("a rename over it (an editor's atomic save, sed -i)", async () => {
    await writeFile(`${flagsFile}.tmp`, await flagsWithSort(2));
    await rename(`${flagsFile}.tmp`, flagsFile);
    await everyInstanceServes(2);
    await thenAnEditInPlace();
  }, 60_000);

  it('git checkout of the file', async () => {
    // The committed file serves the fallthrough of data/flags.json: featured.
    await git('git', ['checkout', '--', 'flags.json'], { cwd: dir });
    await everyInstanceServes(0);
    await thenAnEditInPlace();
  }, 60_000);

  it('a delete, which shows in status as a source not delivering, with its age, then a re-create', async () => {
    await unlink(flagsFile);
    const missing = await waitFor(
      'every instance to report its flag file unreadable',
      async () => {
        const all = await reports(fleet!);
        return all.every((report) =>
          report.warnings.some((warning) =>
            /^flag source not delivering for \d+s: cannot read the flag file .*ENOENT/.test(warning),
          ),
        )
          ? all
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(missing.map((report) => report.problems)).toEqual(Array(TOTAL_INSTANCES).fill([]));
    await everyInstanceServes(1); // the last good values
    await writeFile(flagsFile, await flagsWithSort(2));
    await everyInstanceServes(2);
    await thenAnEditInPlace();
    expect((await reports(fleet!)).map((report) => report.warnings)).toEqual(Array(TOTAL_INSTANCES).fill([]));
  }, 60_000);

  it('valid JSON of malformed flags: refused by every instance, shown in status until a good file', async () => {
    const broken = JSON.parse(await flagsWithSort(2)) as { flags: Record<string, Record<string, unknown>> };
    broken.flags['catalog-sort']!.rules = 'not a list';
    await writeFile(flagsFile, JSON.stringify(broken));
    await waitFor(
      'every instance to report the refused file',
      async () =>
        (await reports(fleet!)).every((report) =>
          report.warnings.some(
            (warning) =>
              warning.includes('from the flag file refused') && warning.includes('catalog-sort.rules'),
          ),
        ),
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    await everyInstanceServes(1); // the last good values
    await writeFile(flagsFile, await flagsWithSort(2));
    await everyInstanceServes(2);
    await waitFor('the warning gone once the file is good', async () =>
      (await reports(fleet!)).every((report) => report.warnings.length === 0),
    );
    await expectOnlineWithoutRestarts(fleet!);
  }, 60_000);
});
