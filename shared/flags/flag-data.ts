import type {
  DataKind,
  LDFeatureStoreDataStorage,
  LDFeatureStoreItem,
  LDFeatureStoreKindData,
} from '@launchdarkly/node-server-sdk';

/** The namespaces of a full data set (the SDK's VersionedDataKinds). */
export const FULL_DATA_SET = ['features', 'segments'] as const;

/**
 * Flags and segments in memory, by namespace and key, deleted items kept as versioned tombstones so
 * that an older change arriving late never resurrects them: the SDK's in-memory store semantics
 * (which the SDK does not export).
 */
export class FlagData {
  private items: LDFeatureStoreDataStorage = {};

  get(kind: DataKind, key: string): LDFeatureStoreItem | null {
    const item = this.items[kind.namespace]?.[key];
    return item && !item.deleted ? item : null;
  }

  all(kind: DataKind): LDFeatureStoreKindData {
    const live: LDFeatureStoreKindData = {};
    for (const [key, item] of Object.entries(this.items[kind.namespace] ?? {})) {
      if (!item.deleted) live[key] = item;
    }
    return live;
  }

  /** Replaces everything. */
  replace(data: LDFeatureStoreDataStorage): void {
    const copy: LDFeatureStoreDataStorage = {};
    for (const [namespace, items] of Object.entries(data)) copy[namespace] = { ...items };
    this.items = copy;
  }

  /** Applies one change unless what is held is as new or newer; says whether it applied. */
  upsert(kind: DataKind, key: string, item: LDFeatureStoreItem): boolean {
    const items = (this.items[kind.namespace] ??= {});
    const held = items[key];
    if (held && held.version >= item.version) return false;
    items[key] = { ...item, key };
    return true;
  }

  /**
   * Every namespace's items without tombstones: a full data set as the SDK's `init` takes it. Flags
   * and segments are always there, empty or not: a persistent store replaces only the namespaces it
   * is given.
   */
  snapshot(): LDFeatureStoreDataStorage {
    const data: LDFeatureStoreDataStorage = {};
    for (const namespace of new Set([...FULL_DATA_SET, ...Object.keys(this.items)])) {
      data[namespace] = this.all({ namespace });
    }
    return data;
  }
}
