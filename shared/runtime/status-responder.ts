import type { BuildFingerprint } from '../build';
import type { FlagClient } from '../flags';
import type { Lifecycle } from '../lifecycle';
import { isStatusQuery, statusReply, type InstanceStatus } from '../ops';
import type { ProcessPort } from './process-port';

export interface StatusSources {
  readonly service: string;
  readonly instance: string;
  readonly lifecycle: Lifecycle;
  readonly flags: () => FlagClient | undefined;
  readonly build: () => BuildFingerprint | null;
}

/** What this instance says about itself to `npm run status` (see ops/status-protocol). */
export function instanceStatus(sources: StatusSources): InstanceStatus {
  const flags = sources.flags();
  return {
    service: sources.service,
    instance: sources.instance,
    pid: process.pid,
    phase: sources.lifecycle.phase(),
    flags: flags?.state() ?? null,
    events: flags?.events() ?? null,
    build: sources.build(),
  };
}

/** Answers the status queries PM2 relays; returns whether the message was one. */
export function answerStatusQuery(proc: ProcessPort, message: unknown, sources: StatusSources): boolean {
  if (!isStatusQuery(message)) return false;
  proc.send?.(statusReply(message, instanceStatus(sources)));
  return true;
}
