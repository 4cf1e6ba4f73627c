import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { fleet } from '../../services/fleet';
import { findProjectRoot } from '../../shared/config';
import { parseNewServiceOptions, USAGE, UsageError } from './new-service-options';
import { planScaffold } from './scaffold-plan';

/**
 * `npm run new-service -- <name> [--port N]`. Everything is decided first (scaffold-plan.ts); only a
 * plan with no refusal is written, so a refused name or port leaves the project as it was.
 */
async function main(argv: readonly string[], root: string): Promise<number> {
  let options;
  try {
    options = parseNewServiceOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`new-service: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const fleetFilePath = path.join(root, 'services', 'fleet.ts');
  const flagsFilePath = path.join(root, 'data', 'flags.json');
  const dockerfilePath = path.join(root, 'Dockerfile');
  const plan = planScaffold(options.name, options.port, {
    fleet,
    serviceFolders: readdirSync(path.join(root, 'services'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name),
    fleetFile: readFileSync(fleetFilePath, 'utf8'),
    flagsFile: readFileSync(flagsFilePath, 'utf8'),
    dockerfile: readFileSync(dockerfilePath, 'utf8'),
  });
  if (!plan.ok) {
    process.stderr.write(`new-service: REFUSED: ${plan.refusal}. Nothing was written.\n`);
    return 1;
  }
  const existing = Object.keys(plan.files).find((file) => existsSync(path.join(root, file)));
  if (existing) {
    process.stderr.write(`new-service: REFUSED: ${existing} exists. Nothing was written.\n`);
    return 1;
  }
  const prettier = await import('prettier');
  const format = async (file: string, text: string) =>
    prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
  const writes: Array<[string, string]> = [
    ...Object.entries(plan.files).map(([file, text]): [string, string] => [path.join(root, file), text]),
    [fleetFilePath, plan.fleetFile],
    [flagsFilePath, plan.flagsFile],
  ];
  // Formatted before anything is written, so a formatter error also leaves the project untouched.
  const formatted = await Promise.all(
    writes.map(async ([file, text]): Promise<[string, string]> => [file, await format(file, text)]),
  );
  await mkdir(path.join(root, 'services', plan.service.name));
  await Promise.all([
    ...formatted.map(([file, text]) => writeFile(file, text)),
    writeFile(dockerfilePath, plan.dockerfile),
  ]);

  const { name, port, metricsPort, flagKey } = plan.service;
  process.stdout.write(
    [
      `new-service: created services/${name}/ (service.ts, main.ts, app.ts, app.test.ts), added ${name} to services/fleet.ts the flag ${flagKey} to data/flags.json and its port to the Dockerfile's EXPOSE.`,
      `  port ${port}, metrics ports from ${metricsPort}; GET /hello reads ${flagKey}.`,
      '  Next: npm run rollout  (builds, canaries the new service, starts it under PM2; the running ones are not touched)',
      '',
    ].join('\n'),
  );
  return 0;
}

main(process.argv.slice(2), findProjectRoot(__dirname)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `new-service: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
