import type { AllData, FlagDefinition } from './flag-model';

/**
 * The double's current flags. Every change gets a version above anything the SDK has seen for that
 * key (deleted keys keep their tombstone version), since the SDK ignores a patch or delete whose
 * version is not greater than the stored one.
 */
export class FlagStore {
  private readonly flags = new Map<string, FlagDefinition>();
  private readonly versions = new Map<string, number>();

  constructor(initial: readonly FlagDefinition[]) {
    for (const flag of initial) {
      if (this.flags.has(flag.key)) throw new RangeError(`flag ${flag.key} is given twice`);
      this.flags.set(flag.key, structuredClone(flag));
      this.versions.set(flag.key, flag.version);
    }
  }

  get(key: string): FlagDefinition | undefined {
    const flag = this.flags.get(key);
    return flag && structuredClone(flag);
  }

  /** Stores `flag` with a version above the previous one for its key; returns what was stored. */
  set(flag: FlagDefinition): FlagDefinition {
    const previous = this.versions.get(flag.key);
    const version = previous === undefined ? flag.version : Math.max(flag.version, previous + 1);
    const stored = { ...structuredClone(flag), version };
    this.flags.set(flag.key, stored);
    this.versions.set(flag.key, version);
    return structuredClone(stored);
  }

  /** Removes the flag; returns the tombstone version to send, or undefined if the key is unknown. */
  delete(key: string): number | undefined {
    const previous = this.versions.get(key);
    if (previous === undefined || !this.flags.has(key)) return undefined;
    const version = previous + 1;
    this.flags.delete(key);
    this.versions.set(key, version);
    return version;
  }

  /** A deep copy of everything, in the shape of a `put`'s `data` and of the polling response. */
  allData(): AllData {
    return {
      flags: Object.fromEntries([...this.flags].map(([key, flag]) => [key, structuredClone(flag)])),
      segments: {},
    };
  }
}
