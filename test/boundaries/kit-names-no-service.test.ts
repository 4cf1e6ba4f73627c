import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { fleet } from '../../services/fleet';
import { findProjectRoot } from '../../shared/config';

const root = findProjectRoot(__dirname);

/** The product code outside services/: the shared kit, the tools, and the files PM2 and Docker read. */
function kitFiles(): string[] {
  const walk = (folder: string): string[] =>
    readdirSync(path.join(root, folder), { withFileTypes: true }).flatMap((entry) => {
      const relative = path.join(folder, entry.name);
      if (entry.isDirectory()) return walk(relative);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [relative] : [];
    });
  return [...walk('shared'), ...walk('scripts'), 'ecosystem.config.js', 'docker-healthcheck.js'];
}

/** The demo services, and whatever else the fleet list holds now. */
const SERVICE_NAMES = [
  ...new Set(['gateway', 'catalog', 'pricing', ...fleet.map((service) => service.name)]),
];

describe('shared/ and scripts/ name no service', () => {
  it.each(SERVICE_NAMES)(
    'no file of the kit or the tools mentions %s: services declare themselves in services/',
    (name) => {
      const word = new RegExp(`\\b${name}\\b`, 'i');
      const offenders = kitFiles().flatMap((file) =>
        readFileSync(path.join(root, file), 'utf8')
          .split('\n')
          .flatMap((line, index) => (word.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
      );
      expect(offenders).toEqual([]);
    },
  );
});

describe('the Dockerfile', () => {
  it("exposes every service's default port of the fleet list (npm run new-service adds the new one)", () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const exposed = /^EXPOSE (.*)$/m.exec(dockerfile)?.[1]?.trim().split(/\s+/).map(Number);
    expect(exposed?.sort()).toEqual(fleet.map((service) => service.port).sort());
  });
});
