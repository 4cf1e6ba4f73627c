import { serviceNameProblem, type AnyServiceManifest } from '../../shared/fleet';
import { greetingFlag, serviceFiles, type NewService } from './service-templates';

/** Names that cannot be a service: folders and files of the project, and JavaScript's reserved words. */
const RESERVED = new Set([
  'fleet',
  'shared',
  'domain',
  'scripts',
  'services',
  'test',
  'dist',
  'data',
  'bench',
  'docs',
  'node-modules',
  ...'await break case catch class const continue debugger default delete do else enum export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield'.split(
    ' ',
  ),
]);

/** Metrics ports of a new service start this far above the highest in use. */
const METRICS_STEP = 100;
/** The instances a port range is checked for when the fleet's count is unknown (FLEET_INSTANCES' default). */
const DEFAULT_INSTANCES = 2;

/** What the project has now, as the scaffolder reads it. */
export interface ProjectState {
  readonly fleet: readonly AnyServiceManifest[];
  /** Folder names under services/. */
  readonly serviceFolders: readonly string[];
  readonly fleetFile: string;
  readonly flagsFile: string;
  readonly dockerfile: string;
}

export type ScaffoldPlan =
  | { readonly ok: false; readonly refusal: string }
  | {
      readonly ok: true;
      readonly service: NewService;
      /** New files, by path relative to the project root; none of them exists. */
      readonly files: Readonly<Record<string, string>>;
      /** The fleet list, the flag file and the Dockerfile (its EXPOSE), rewritten. */
      readonly fleetFile: string;
      readonly flagsFile: string;
      readonly dockerfile: string;
    };

/** `order-history` → `orderHistory`. */
export function identifierOf(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function portsInUse(
  fleet: readonly AnyServiceManifest[],
): Array<{ first: number; last: number; what: string }> {
  return fleet.flatMap((service) => {
    const instances = typeof service.pm2?.instances === 'number' ? service.pm2.instances : DEFAULT_INSTANCES;
    return [
      { first: service.port, last: service.port, what: `${service.name}'s port` },
      {
        first: service.metricsPort,
        last: service.metricsPort + instances - 1,
        what: `${service.name}'s metrics ports`,
      },
    ];
  });
}

function clashOf(used: ReturnType<typeof portsInUse>, first: number, last: number): string | undefined {
  return used.find((range) => range.first <= last && first <= range.last)?.what;
}

/** The fleet list with the new service added: one import and one entry. */
function withService(fleetFile: string, service: NewService): string | undefined {
  const list = /(export const fleet: readonly AnyServiceManifest\[\] = \[)([^\]]*)(\];)/;
  const imports = [...fleetFile.matchAll(/^import \{ service as \w+ \} from '\.\/[a-z0-9-]+\/service';$/gm)];
  const lastImport = imports.at(-1);
  if (!list.test(fleetFile) || lastImport?.index === undefined) return undefined;
  const at = lastImport.index + lastImport[0].length;
  const added = `${fleetFile.slice(0, at)}\nimport { service as ${service.identifier} } from './${service.name}/service';${fleetFile.slice(at)}`;
  return added.replace(list, (_, open: string, entries: string, close: string) => {
    const trimmed = entries.trim().replace(/,$/, '');
    return `${open}${trimmed}${trimmed === '' ? '' : ', '}${service.identifier}${close}`;
  });
}

/**
 * What `npm run new-service -- <name> [--port N]` writes, or why it refuses; it reads nothing itself, so
 * a refusal writes nothing. Refused: a name that is not kebab-case, is reserved, or is taken (in the
 * fleet list or a folder under services/); a port held by a service or a metrics range.
 */
export function planScaffold(name: string, port: number | undefined, project: ProjectState): ScaffoldPlan {
  const nameProblem = serviceNameProblem(name);
  if (nameProblem) return { ok: false, refusal: `"${name}": the name ${nameProblem}` };
  if (RESERVED.has(name)) return { ok: false, refusal: `"${name}": the name is reserved; choose another` };
  const identifier = identifierOf(name);
  if (RESERVED.has(identifier) || identifier === 'AnyServiceManifest') {
    return { ok: false, refusal: `"${name}": the name is reserved; choose another` };
  }
  if (project.fleet.some((service) => service.name === name)) {
    return { ok: false, refusal: `"${name}": there is already a service of that name in services/fleet.ts` };
  }
  if (project.fleet.some((service) => identifierOf(service.name) === identifier)) {
    return {
      ok: false,
      refusal: `"${name}": too close to a service of the fleet list (same identifier ${identifier})`,
    };
  }
  if (project.serviceFolders.includes(name)) {
    return { ok: false, refusal: `"${name}": services/${name}/ already exists` };
  }

  const used = portsInUse(project.fleet);
  let servicePort: number;
  if (port !== undefined) {
    const clash = clashOf(used, port, port);
    if (clash) return { ok: false, refusal: `--port ${port}: taken by ${clash}; choose another` };
    servicePort = port;
  } else {
    servicePort = Math.max(2999, ...project.fleet.map((service) => service.port)) + 1;
    while (clashOf(used, servicePort, servicePort)) servicePort += 1;
  }
  let metricsPort = Math.max(9000, ...project.fleet.map((service) => service.metricsPort)) + METRICS_STEP;
  while (
    clashOf(used, metricsPort, metricsPort + DEFAULT_INSTANCES - 1) ||
    (servicePort >= metricsPort && servicePort < metricsPort + DEFAULT_INSTANCES)
  ) {
    metricsPort += METRICS_STEP;
  }
  if (servicePort > 65_535 || metricsPort + DEFAULT_INSTANCES - 1 > 65_535) {
    return { ok: false, refusal: 'no free port left below 65535; pass --port' };
  }

  const service: NewService = {
    name,
    identifier,
    port: servicePort,
    metricsPort,
    flagKey: `${name}-greeting`,
  };
  const fleetFile = withService(project.fleetFile, service);
  if (fleetFile === undefined) {
    return {
      ok: false,
      refusal:
        'services/fleet.ts does not have the shape the scaffolder edits (`import { service as x } from ...` lines and `export const fleet: readonly AnyServiceManifest[] = [...]`); add the service by hand',
    };
  }
  let flags: { flags?: Record<string, unknown> };
  try {
    flags = JSON.parse(project.flagsFile) as { flags?: Record<string, unknown> };
  } catch (error) {
    return { ok: false, refusal: `data/flags.json is not valid JSON (${(error as Error).message})` };
  }
  if (flags.flags?.[service.flagKey] !== undefined) {
    return { ok: false, refusal: `data/flags.json already has a flag ${service.flagKey}` };
  }
  const flagsFile = `${JSON.stringify(
    { ...flags, flags: { ...flags.flags, [service.flagKey]: greetingFlag(service.flagKey, name) } },
    null,
    2,
  )}\n`;
  const expose = /^EXPOSE (.*)$/m;
  if (!expose.test(project.dockerfile))
    return { ok: false, refusal: 'the Dockerfile has no EXPOSE line to add the port to' };
  const dockerfile = project.dockerfile.replace(
    expose,
    (_, ports: string) => `EXPOSE ${ports.trim()} ${service.port}`,
  );
  return { ok: true, service, files: serviceFiles(service), fleetFile, flagsFile, dockerfile };
}
