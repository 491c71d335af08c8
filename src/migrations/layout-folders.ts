/**
 * drizzle-kit 1.0's migrations folder: one folder per migration,
 * `<out>/<YYYYMMDDHHMMSS>_<name>/{migration.sql,snapshot.json}`. The first
 * snapshot is a full `base`; later ones are `diff`s with `deltas` on top of their
 * parents (`prevIds`; several parents make a merge). Partitioning state goes to
 * `<folder>/_partitions.json`, which drizzle-kit 1.0 leaves alone (its generate
 * reads only `<folder>/snapshot.json`, its migrator only `<folder>/migration.sql`).
 * A migration this package writes for partition changes alone gets a `diff` snapshot
 * without deltas whose `footprints` say what it changes ({@link partitionFootprints}),
 * so `drizzle-kit check` sees it.
 */
import { folderStamp, kitFolderTime } from '../compat/folder-time.js';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileWrite, Migration, MigrationsLayout, PartitionChange } from './layout.js';
import { PostprocessError } from '../errors.js';
import type { PartitionState, TableState } from './state.js';

/** File name of the state inside a migration folder. */
export const FOLDER_STATE_FILE = '_partitions.json';

/** drizzle-kit's parent id of a first migration. */
const ROOT_ID = '00000000-0000-0000-0000-000000000000';

interface TableRow {
  entityType: string;
  schema?: string;
  name?: string;
}

interface Delta {
  op: string;
  key?: string;
  row?: TableRow;
  set?: { name?: string; schema?: string };
}

interface Snapshot {
  type?: string;
  version: string;
  dialect: string;
  id: string;
  prevIds?: string[];
  ddl?: TableRow[];
  deltas?: Delta[];
}

function readSnapshot(path: string): Snapshot {
  let s: Snapshot;
  try {
    s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  } catch (e) {
    throw new PostprocessError('SNAPSHOT_MALFORMED', path, `cannot be read as JSON: ${(e as Error).message}`);
  }
  if (typeof s !== 'object' || s === null || typeof s.id !== 'string' || s.dialect !== 'postgres') {
    throw new PostprocessError('SNAPSHOT_MALFORMED', path, 'is not a drizzle-kit 1.0 PostgreSQL snapshot (id, dialect "postgres")', 'restore it from version control');
  }
  if (s.prevIds !== undefined && (!Array.isArray(s.prevIds) || s.prevIds.some((p) => typeof p !== 'string'))) {
    throw new PostprocessError('SNAPSHOT_MALFORMED', path, 'has prevIds that are not a list of ids', 'restore it from version control');
  }
  if (s.type === 'diff' && s.deltas !== undefined && !Array.isArray(s.deltas)) {
    throw new PostprocessError('SNAPSHOT_MALFORMED', path, 'has deltas that are not a list', 'restore it from version control');
  }
  return s;
}

/** `public.events` from a table row. */
function rowKey(row: TableRow): string {
  return `${row.schema || 'public'}.${row.name}`;
}

/** `tables\u0000["public","events"]` -> `public.events`. */
function tableFromKey(key: string | undefined): { schema: string; name: string } | undefined {
  if (!key?.startsWith('tables\u0000')) return undefined;
  try {
    const [schema, name] = JSON.parse(key.slice('tables\u0000'.length)) as [string, string];
    return typeof name === 'string' ? { schema: schema || 'public', name } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Applies one snapshot's deltas to a set of `schema.name` table keys, as
 * drizzle-kit's `applyDeltas` does to its whole state: `create` adds a row,
 * `drop` deletes one, any other op (`rename`, …) updates the row's fields with `set`.
 */
function applyDeltas(tables: Set<string>, deltas: readonly Delta[]): void {
  for (const d of deltas) {
    if (d.op === 'create') {
      if (d.row?.entityType === 'tables') tables.add(rowKey(d.row));
      continue;
    }
    const t = tableFromKey(d.key);
    if (!t) continue;
    const key = `${t.schema}.${t.name}`;
    if (d.op === 'drop') tables.delete(key);
    else if (tables.delete(key)) tables.add(`${d.set?.schema || t.schema}.${d.set?.name ?? t.name}`);
  }
}

/**
 * One entry of a drizzle-kit 1.0 snapshot's `footprints`: what a statement writes and
 * reads, as nodes `<s|n|e>|<kind>|<schema.name...>`. `drizzle-kit check` (and `generate`,
 * before it writes) reports two branches as conflicting when one writes a node the other
 * writes or reads.
 */
export interface Footprint {
  statementType: string;
  statementTarget: string[];
  writes: string[];
  reads?: string[];
}

/** drizzle-kit 1.0's nodes of a table it creates or drops (its `created("tbl", ...)`). */
const tableNodes = (q: string) => [`s|tbl|${q}`, `n|tbl|${q}`, `e|tbl|${q}`, `n|rel|${q}`, `n|type|${q}`];

function flatten(list: readonly PartitionState[] | undefined): string[] {
  return (list ?? []).flatMap((p) => [p.name, ...flatten(p.partitions)]);
}

/**
 * The footprints of a migration that changes partitioning alone, as drizzle-kit 1.0
 * computes them for the statements it would write if it saw the change:
 *
 * - a partition is a table to drizzle-kit 1.0 (its introspection lists partitions as
 *   tables), so a partition created is its `create_table` footprint: the table's nodes
 *   and the name of its primary key's index, `<partition>_pkey` (the name PostgreSQL
 *   gives the key a partition inherits, and drizzle-kit 1.0 gives a table's key; written
 *   even when the table has no key, which can only add a conflict). Not written: the
 *   names of unique constraints, and reads of enum types. A partition that leaves its
 *   table (dropped, or detached and kept) is its `drop_table` footprint;
 * - the partition set belongs to the parent, the way drizzle-kit 1.0 models a property
 *   of a table (RLS: `s|rls|<table>`, reading the table and its schema): an
 *   `alter_partitions` footprint writes `s|partitions|<table>` and reads the table
 *   (`n|tbl`) and its schema. So two branches that both change one table's partitions
 *   conflict, as they do for this package (each migration's state file holds the whole
 *   partition set), and so do a partition change and a branch that drops or renames
 *   the table; a branch that adds a column to it does not.
 *
 * @example
 * ```ts
 * partitionFootprints({ before, after }); // adding events_p20260301 to public.events:
 * // [{ statementType: 'alter_partitions', statementTarget: ['table', 'public', 'events'], writes: ['s|partitions|public.events'], reads: ['n|tbl|public.events', 'n|sch|public'] },
 * //  { statementType: 'create_table', statementTarget: ['table', 'public', 'events_p20260301'], writes: ['s|tbl|public.events_p20260301', ..., 'n|rel|public.events_p20260301_pkey'], reads: ['n|sch|public'] }]
 * ```
 */
export function partitionFootprints(change: PartitionChange): Footprint[] {
  const out: Footprint[] = [];
  const keys = [...new Set([...change.before.keys(), ...change.after.keys()])].sort();
  for (const key of keys) {
    const was: TableState | undefined = change.before.get(key);
    const now: TableState | undefined = change.after.get(key);
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    const { schema: s, name } = now ?? was!;
    const schema = s ?? 'public';
    out.push({ statementType: 'alter_partitions', statementTarget: ['table', schema, name], writes: [`s|partitions|${schema}.${name}`], reads: [`n|tbl|${schema}.${name}`, `n|sch|${schema}`] });
    const before = new Set(flatten(was?.partitions));
    const after = new Set(flatten(now?.partitions));
    for (const p of before) {
      if (!after.has(p)) out.push({ statementType: 'drop_table', statementTarget: ['table', schema, p], writes: tableNodes(`${schema}.${p}`), reads: [`n|sch|${schema}`] });
    }
    for (const p of after) {
      if (!before.has(p)) out.push({ statementType: 'create_table', statementTarget: ['table', schema, p], writes: [...tableNodes(`${schema}.${p}`), `n|rel|${schema}.${p}_pkey`], reads: [`n|sch|${schema}`] });
    }
  }
  return out;
}

/**
 * Opens a drizzle-kit 1.0 migrations folder.
 *
 * @example
 * ```ts
 * openFolderLayout('/app/drizzle').migrations.map((m) => m.id);
 * // ['20261121101042_init', '20261121101058_second']
 * ```
 */
export function openFolderLayout(outDir: string): MigrationsLayout {
  // drizzle-kit's generate reads `<out>/*/snapshot.json` (sorted); its migrator runs
  // `<out>/*/migration.sql` sorted with localeCompare: that is the order migrations apply in.
  const folders = readdirSync(outDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(outDir, d.name, 'snapshot.json')))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b));
  const snapshots = folders.map((f) => readSnapshot(join(outDir, f, 'snapshot.json')));
  const migrations: Migration[] = folders.map((f) => ({ id: f, sqlPath: join(outDir, f, 'migration.sql'), statePath: join(outDir, f, FOLDER_STATE_FILE) }));
  const byId = new Map<string, { snapshot: Snapshot; folder: string; index: number }>();
  snapshots.forEach((s, index) => {
    const seen = byId.get(s.id);
    if (seen) throw new PostprocessError('SNAPSHOT_MALFORMED', join(outDir, folders[index]!, 'snapshot.json'), `has the same id as ${seen.folder}/snapshot.json`, 'restore the folders from version control');
    byId.set(s.id, { snapshot: s, folder: folders[index]!, index });
  });
  const parentsOf = (s: Snapshot) => (s.prevIds ?? []).filter((p) => p !== ROOT_ID);
  const node = (id: string, from: string) => {
    const n = byId.get(id);
    if (!n) throw new PostprocessError('SNAPSHOT_MALFORMED', from, `names parent snapshot ${id}, which no migration folder holds`, 'restore the missing migration folder from version control');
    return n;
  };

  /** Ids of `ids` and all their ancestors, minus `known`'s. */
  const historyOf = (ids: readonly string[], known: ReadonlySet<string> = new Set()): Set<string> => {
    const found = new Set<string>();
    const stack = [...ids];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === ROOT_ID || found.has(id) || known.has(id)) continue;
      found.add(id);
      stack.push(...parentsOf(node(id, id).snapshot));
    }
    return found;
  };

  // The tables drizzle-kit knows after each snapshot, reconstructed as drizzle-kit's
  // `reconstruct` does: follow the first parent down to the base, apply the diffs
  // back up; a merge also applies what its other parents' histories add (in folder order).
  const after = new Map<string, Set<string>>();
  const tablesAfter = (id: string): Set<string> => {
    const cached = after.get(id);
    if (cached) return cached;
    const chain: Snapshot[] = [];
    let s = node(id, id).snapshot;
    while (s.type === 'diff' && !after.has(s.id)) {
      chain.push(s);
      const first = s.prevIds?.[0];
      if (first === undefined || first === ROOT_ID) {
        throw new PostprocessError('SNAPSHOT_MALFORMED', join(outDir, node(s.id, s.id).folder, 'snapshot.json'), 'is a diff snapshot whose history does not reach a base snapshot', 'restore the first migration folder from version control');
      }
      s = node(first, join(outDir, node(s.id, s.id).folder, 'snapshot.json')).snapshot;
    }
    let tables = after.get(s.id);
    if (!tables) {
      // a base snapshot (or a legacy full one): its ddl is the whole state
      tables = new Set((s.ddl ?? []).filter((e) => e.entityType === 'tables').map(rowKey));
      after.set(s.id, tables);
    }
    for (const d of chain.reverse()) {
      tables = startingTables(parentsOf(d), tables);
      applyDeltas(tables, d.deltas ?? []);
      after.set(d.id, tables);
    }
    return tables;
  };
  /** The state a migration with these parents starts from (`first` = the first parent's tables, when known). */
  const startingTables = (parents: readonly string[], first?: Set<string>): Set<string> => {
    if (parents.length === 0) return new Set();
    const tables = new Set(first ?? tablesAfter(parents[0]!));
    if (parents.length > 1) {
      const rest = historyOf(parents.slice(1), historyOf([parents[0]!]));
      for (const [i, s] of snapshots.entries()) {
        if (rest.has(s.id) && s.type === 'diff') applyDeltas(tables, snapshots[i]!.deltas ?? []);
      }
    }
    return tables;
  };

  const leafIds = () => {
    const referenced = new Set(snapshots.flatMap((s) => s.prevIds ?? []));
    return snapshots.filter((s) => !referenced.has(s.id)).map((s) => s.id);
  };

  return {
    kind: 'folders',
    outDir,
    migrations,
    tablesBefore: (index) => {
      if (index < migrations.length) return startingTables(parentsOf(snapshots[index]!));
      // a migration written now: drizzle-kit makes it a child of every leaf
      return startingTables(leafIds());
    },
    isCustom: (index) => {
      const s = snapshots[index]!;
      // `generate --custom`: a diff without deltas (as the first migration: a base without ddl)
      return s.type === 'diff' ? (s.deltas ?? []).length === 0 : s.type === 'base' && (s.ddl ?? []).length === 0;
    },
    planNewMigration(name, sql, now, change) {
      const last = snapshots[snapshots.length - 1];
      if (!last) throw new PostprocessError('NO_MIGRATIONS', outDir, 'has no migration to build on', 'run drizzle-kit generate first');
      const parents = leafIds();
      const parentFolders = parents.map((id) => byId.get(id)!.folder);
      // drizzle-kit's prepareMigrationMetadata: a second after the newest parent at least,
      // so the folder sorts after its parents (drizzle-kit check insists)
      let ms = Math.max(now.getTime(), ...parentFolders.map((f) => kitFolderTime(f) + 1000));
      while (existsSync(join(outDir, `${folderStamp(ms)}_${name}`))) ms += 1000; // never write into an existing folder
      const folder = `${folderStamp(ms)}_${name}`;
      const snapshot = { type: 'diff', version: last.version, dialect: 'postgres', id: randomUUID(), prevIds: parents.length > 0 ? parents : [last.id], footprints: change ? partitionFootprints(change) : [], deltas: [] };
      const migration: Migration = { id: folder, sqlPath: join(outDir, folder, 'migration.sql'), statePath: join(outDir, folder, FOLDER_STATE_FILE) };
      const writes: FileWrite[] = [
        { path: migration.sqlPath, content: sql },
        // snapshot.json last: without it drizzle-kit's generate does not see the folder
        { path: join(outDir, folder, 'snapshot.json'), content: JSON.stringify(snapshot, null, 2) },
      ];
      // the next migration planned builds on this one
      folders.push(folder);
      snapshots.push(snapshot as Snapshot);
      migrations.push(migration);
      byId.set(snapshot.id, { snapshot: snapshot as Snapshot, folder, index: snapshots.length - 1 });
      return { migration, writes };
    },
  };
}
