/**
 * The partitioning state recorded beside each migration: what the schema's
 * partitioned tables looked like when that migration was written, as the SQL
 * clauses this package rendered. Later changes are diffed against it, so the
 * catalog text PostgreSQL normalises is never compared.
 */
import { boundClause } from '../ddl/literals.js';
import { partitionByClause, type RenderOptions } from '../ddl/partition-ddl.js';
import type { PartitionLevel, Partitioning } from '../schema/resolved.js';

/** Format version of state files. */
export const STATE_VERSION = 1;

/** One partition as recorded: its name and rendered clauses, children if sub-partitioned. */
export interface PartitionState {
  name: string;
  /** `FOR VALUES ...` or `DEFAULT`, as the DDL module renders it. */
  bound: string;
  tablespace?: string;
  /** `PARTITION BY ...` when this partition is itself partitioned. */
  partitionBy?: string;
  partitions?: PartitionState[];
}

/** One partitioned table as recorded. */
export interface TableState {
  /** Schema name; null for drizzle's default (public). */
  schema: string | null;
  name: string;
  partitionBy: string;
  partitions: PartitionState[];
}

/** The state file's content. */
export interface MigrationState {
  version: number;
  tables: TableState[];
}

/** `public.events` style key of a table state. */
export function tableKey(t: { schema?: string | null | undefined; name: string }): string {
  return `${t.schema ?? 'public'}.${t.name}`;
}

function levelPartitions(level: PartitionLevel, opts: RenderOptions): PartitionState[] {
  return level.partitions.map((p) => {
    const s: PartitionState = { name: p.name, bound: boundClause(p.bound) };
    if (p.tablespace !== undefined) s.tablespace = p.tablespace;
    if (p.partitionBy) {
      s.partitionBy = partitionByClause(p.partitionBy, opts);
      s.partitions = levelPartitions(p.partitionBy, opts);
    }
    return s;
  });
}

/**
 * The recorded form of a table's partitioning, rendered under `opts` (casing).
 *
 * @example
 * ```ts
 * tableState(getPartitioning(events)!, { casing: 'snake_case' }).partitionBy; // 'PARTITION BY RANGE ("created_at")'
 * ```
 */
export function tableState(p: Partitioning, opts: RenderOptions = {}): TableState {
  return {
    schema: p.table.schema ?? null,
    name: p.table.name,
    partitionBy: partitionByClause(p, opts),
    partitions: levelPartitions(p, opts),
  };
}

/** A state with its tables in a stable order, so equal states serialise to equal bytes. */
export function migrationState(tables: Iterable<TableState>): MigrationState {
  return { version: STATE_VERSION, tables: [...tables].sort((a, b) => (tableKey(a) < tableKey(b) ? -1 : tableKey(a) > tableKey(b) ? 1 : 0)) };
}

/** Serialises a state (2-space JSON with a final newline, like drizzle-kit's files). */
export function serializeState(state: MigrationState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Parses a state file; returns a reason instead when it is not one. */
export function parseState(text: string): MigrationState | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return `is not JSON (${(e as Error).message})`;
  }
  const d = data as Partial<MigrationState>;
  if (typeof d !== 'object' || d === null || typeof d.version !== 'number' || !Array.isArray(d.tables)) return 'is not a drizzle-partitions state file';
  if (d.version > STATE_VERSION) return `was written by a newer drizzle-partitions (state version ${d.version}); upgrade`;
  for (const t of d.tables) {
    if (typeof t?.name !== 'string' || typeof t.partitionBy !== 'string' || !Array.isArray(t.partitions)) return `has a malformed table entry ${JSON.stringify(t)?.slice(0, 80)}`;
  }
  return d as MigrationState;
}

/** Whether two states say the same thing. */
export function sameState(a: MigrationState, b: MigrationState): boolean {
  return serializeState(migrationState(a.tables)) === serializeState(migrationState(b.tables));
}
