/**
 * A drizzle-kit migrations folder, whatever its layout: the migrations in order,
 * where each one's SQL and partitioning state live, and how to add one.
 */
import type { TableState } from './state.js';

/** One migration of the folder. */
export interface Migration {
  /** Journal tag (0.31) or folder name (1.0). */
  id: string;
  sqlPath: string;
  /** Where this package records the partitioning state after this migration. */
  statePath: string;
}

/** What a migration written for partition changes alone changes: the partitioning state before and after it. */
export interface PartitionChange {
  before: ReadonlyMap<string, TableState>;
  after: ReadonlyMap<string, TableState>;
}

/** A file to write; written to a temporary name, then renamed over the target. */
export interface FileWrite {
  path: string;
  content: string;
}

/** What the post-processor needs from a migrations folder. */
export interface MigrationsLayout {
  kind: 'journal' | 'folders';
  outDir: string;
  migrations: readonly Migration[];
  /** `schema.name` keys of the tables drizzle-kit knew before migration `index` (its previous snapshot). */
  tablesBefore(index: number): ReadonlySet<string> | undefined;
  /**
   * Whether migration `index` changed nothing in drizzle-kit's schema (a
   * `generate --custom` migration, or one written by hand): such a file is the
   * user's, and is never rewritten.
   */
  isCustom(index: number): boolean;
  /**
   * Plans the files of a new migration that holds `sql` and copies the latest snapshot;
   * `change` (the partitioning state before and after it, keyed `schema.name`) is what
   * drizzle-kit 1.0's snapshot records as the migration's footprints. The layout then
   * counts it among its migrations, so a second migration planned comes after it.
   */
  planNewMigration(name: string, sql: string, now: Date, change?: PartitionChange): { migration: Migration; writes: FileWrite[] };
}
