/**
 * Snapshot schema versions. Each migration turns a snapshot of version `from` into
 * version `to`; they are chained until the current version is reached. The caller
 * (snapshot.ts) backs the old file up before the migrated one replaces it.
 */
import { mergeOrphans } from './merge-orphans.js';
import { StoreError, describeError } from './types.js';

export const CURRENT_SCHEMA_VERSION = 2;

export interface SnapshotMigration {
  from: number;
  to: number;
  /** Plain words, logged when applied. */
  describe: string;
  up(snapshot: unknown): unknown;
}

/**
 * v1 → v2: one request for a media's whole life (merge-orphans.ts). The fields v2 added to a
 * request (`roster`, `is_4k`, `upgrade`, `absorbed_ids`) are optional: a v1 TV request gets its
 * episode list at the next Sonarr/Jellyseerr read.
 */
export const MIGRATE_V1_V2: SnapshotMigration = {
  from: 1,
  to: 2,
  describe: 'orphan Sonarr/Radarr requests merged into the Jellyseerr request that covers them',
  up(snapshot) {
    const s = snapshot as Record<string, unknown>;
    const requests = s.requests;
    // A snapshot without a request list is left for validation to reject in plain words.
    if (!Array.isArray(requests)) return s;
    return { ...s, requests: mergeOrphans(requests).requests };
  },
};

/** Ordered. */
export const SNAPSHOT_MIGRATIONS: readonly SnapshotMigration[] = [MIGRATE_V1_V2];

export interface MigrationResult {
  snapshot: unknown;
  from: number;
  to: number;
  /** `describe` of each migration applied, in order. */
  applied: string[];
}

export function schemaVersionOf(raw: unknown): number {
  const v = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>).schema_version : undefined;
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new StoreError('snapshot has no valid "schema_version" (expected a non-negative integer)');
  }
  return v as number;
}

/**
 * Pure: returns the snapshot brought to `target`. Throws `StoreError` when the
 * snapshot is newer than `target`, a step is missing, or a migration fails.
 */
export function migrateSnapshot(raw: unknown, migrations: readonly SnapshotMigration[] = SNAPSHOT_MIGRATIONS, target: number = CURRENT_SCHEMA_VERSION): MigrationResult {
  const from = schemaVersionOf(raw);
  if (from > target) {
    throw new StoreError(
      `snapshot schema version ${from} was written by a newer version of Media Tracker ` +
        `(this one knows up to ${target}); refusing to start so it is not overwritten. ` +
        `Upgrade the add-on or restore a backup.`,
    );
  }
  let snapshot = raw;
  let version = from;
  const applied: string[] = [];
  while (version < target) {
    const m = migrations.find((x) => x.from === version);
    if (!m || m.to <= m.from || m.to > target) {
      throw new StoreError(`no migration for snapshot schema version ${version} towards ${target}`);
    }
    try {
      snapshot = m.up(snapshot);
    } catch (err) {
      throw new StoreError(`snapshot migration v${m.from}→v${m.to} (${m.describe}) failed: ${describeError(err)}`, { cause: err });
    }
    // The migration owns the data; the version stamp is ours so it cannot drift.
    if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) {
      throw new StoreError(`snapshot migration v${m.from}→v${m.to} (${m.describe}) did not return an object`);
    }
    snapshot = { ...(snapshot as Record<string, unknown>), schema_version: m.to };
    applied.push(m.describe);
    version = m.to;
  }
  return { snapshot, from, to: version, applied };
}
