import type { AllData, FlagDefinition } from './flag-model';

/** One server-sent event, its data already serialised. */
export interface SseEvent {
  readonly name: 'put' | 'patch' | 'delete';
  readonly data: string;
}

/*
 * The three FDv1 stream events. Two malformed shapes crash the host process of SDK 9.13.7 (a put
 * without `data`: unhandled rejection; a patch or delete without `path`: uncaught exception), so
 * these are the only way the double builds events, and each shape is fixed by its parameters.
 */

/** `{"path":"/","data":{"flags":{…},"segments":{…}}}`: replaces everything, initialises the SDK. */
export function putEvent(data: AllData): SseEvent {
  return { name: 'put', data: JSON.stringify({ path: '/', data }) };
}

/** `{"path":"/flags/KEY","data":{…flag…}}`: upserts one flag if its version is higher. */
export function patchEvent(flag: FlagDefinition): SseEvent {
  return { name: 'patch', data: JSON.stringify({ path: flagPath(flag.key), data: flag }) };
}

/** `{"path":"/flags/KEY","version":N}`: leaves a tombstone at version N. */
export function deleteEvent(key: string, version: number): SseEvent {
  return { name: 'delete', data: JSON.stringify({ path: flagPath(key), version }) };
}

function flagPath(key: string): string {
  if (key === '') throw new RangeError('a flag key must not be empty');
  return `/flags/${key}`;
}
