/**
 * drizzle-kit 1.0's migrations folder: one folder per migration,
 * `<out>/<YYYYMMDDHHMMSS>_<name>/{migration.sql,snapshot.json}`. The first
 * snapshot is a full `base`; later ones are `diff`s with `deltas` on top of their
 * parents (`prevIds`; several parents make a merge). Partitioning state goes to
 * `<folder>/_partitions.json`, which drizzle-kit 1.0 leaves alone (its generate
 * reads only `<folder>/snapshot.json`, its migrator only `<folder>/migration.sql`).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileWrite, Migration, MigrationsLayout } from './layout.js';
import { PostprocessError } from '../errors.js';

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

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** drizzle-kit's `snapshotFolderTime`: the UTC time a folder name starts with, 0 if none. */
function folderTime(folder: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(folder);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : 0;
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
    planNewMigration(name, sql, now) {
      const last = snapshots[snapshots.length - 1];
      if (!last) throw new PostprocessError('NO_MIGRATIONS', outDir, 'has no migration to build on', 'run drizzle-kit generate first');
      const parents = leafIds();
      const parentFolders = parents.map((id) => byId.get(id)!.folder);
      // drizzle-kit's prepareMigrationMetadata: a second after the newest parent at least,
      // so the folder sorts after its parents (drizzle-kit check insists)
      let ms = Math.max(now.getTime(), ...parentFolders.map((f) => folderTime(f) + 1000));
      while (existsSync(join(outDir, `${stamp(ms)}_${name}`))) ms += 1000; // never write into an existing folder
      const folder = `${stamp(ms)}_${name}`;
      const snapshot = { type: 'diff', version: last.version, dialect: 'postgres', id: randomUUID(), prevIds: parents.length > 0 ? parents : [last.id], footprints: [], deltas: [] };
      const migration: Migration = { id: folder, sqlPath: join(outDir, folder, 'migration.sql'), statePath: join(outDir, folder, FOLDER_STATE_FILE) };
      const writes: FileWrite[] = [
        { path: migration.sqlPath, content: sql },
        // snapshot.json last: without it drizzle-kit's generate does not see the folder
        { path: join(outDir, folder, 'snapshot.json'), content: JSON.stringify(snapshot, null, 2) },
      ];
      return { migration, writes };
    },
  };
}
