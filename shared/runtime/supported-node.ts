/**
 * The Node.js lines the fleet runs on. An end-of-life line gets no security fixes, so an instance
 * refuses to start on one, and so does `pm2 start ecosystem.config.js`: a refusal is read at once,
 * where a warning would scroll by in `pm2 logs` while the fleet keeps running on it.
 *
 * Plain data and string work only: ecosystem.config.js requires this file alone, in the PM2 CLI.
 */
export const MINIMUM_NODE_MAJOR = 22;
export const RECOMMENDED_NODE_MAJOR = 24;

/** When each line that is no longer supported ended: every line below the minimum, and the odd ones above it. */
const END_OF_LIFE: Readonly<Record<number, string>> = {
  16: '2023-09-11',
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  23: '2025-06-01',
  25: '2026-06-01',
};

const HOW_TO_FIX =
  'Run it through the npm scripts or `npx pm2`, which use the Node.js 24 the project installs ' +
  '(node_modules/.bin/node), or install Node.js 24 (`nvm install` reads .nvmrc). A PM2 daemon keeps ' +
  'the Node.js it was started on: after upgrading, restart it with `pm2 update`.';

/** Why this Node.js cannot run the fleet, or undefined when it can. */
export function unsupportedNodeReason(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!Number.isInteger(major))
    return `cannot tell which Node.js this is (version "${version}"). ${HOW_TO_FIX}`;
  const endedOn = END_OF_LIFE[major];
  if (major >= MINIMUM_NODE_MAJOR && endedOn === undefined) return undefined;
  const ended = endedOn ? `end-of-life since ${endedOn}` : 'end-of-life';
  return (
    `Node.js ${version} is ${ended} and gets no security fixes; flagfleet runs on Node.js ` +
    `${MINIMUM_NODE_MAJOR} or later (${RECOMMENDED_NODE_MAJOR} LTS recommended). ${HOW_TO_FIX}`
  );
}

/** Throws, saying why and what to do, when the running Node.js is end-of-life. */
export function assertSupportedNode(version: string = process.version): void {
  const reason = unsupportedNodeReason(version);
  if (reason !== undefined) throw new Error(reason);
}
