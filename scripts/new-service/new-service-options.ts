export const USAGE = `Usage: npm run new-service -- <name> [--port N]

Scaffolds services/<name>/ (manifest, composition root, an app with one route that reads a flag, a
unit test), adds it to services/fleet.ts and its flag to data/flags.json. Then: npm run rollout starts
it under PM2 next to the others. <name> is kebab-case (order-history); --port defaults to the next
free port after the fleet's.
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface NewServiceOptions {
  readonly name: string;
  readonly port: number | undefined;
}

export function parseNewServiceOptions(argv: readonly string[]): NewServiceOptions | 'help' {
  let name: string | undefined;
  let port: number | undefined;
  const args = [...argv];
  while (args.length > 0) {
    const arg = args.shift()!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--port' || arg.startsWith('--port=')) {
      const raw = arg.includes('=') ? arg.slice('--port='.length) : args.shift();
      if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65_535) {
        throw new UsageError(`--port: must be a whole number from 1 to 65535, got "${raw ?? ''}"`);
      }
      port = Number(raw);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option "${arg}"`);
    } else if (name === undefined) {
      name = arg;
    } else {
      throw new UsageError(`one service at a time: "${name}" and "${arg}"`);
    }
  }
  if (name === undefined) throw new UsageError('the service name is missing');
  return { name, port };
}
