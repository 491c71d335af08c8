/**
 * drizzle-kit 1.0's migrations folder: one folder per migration,
 * `<out>/<YYYYMMDDHHMMSS>_<name>/{migration.sql,snapshot.json}`. The first
 * snapshot is a full `base`; later ones are `diff`s with `deltas`. Partitioning
 * state goes to `<folder>/_partitions.json`, which drizzle-kit 1.0 leaves alone.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileWrite, Migration, MigrationsLayout } from './layout.js';
import { PostprocessError } from './errors.js';

/** File name of the state inside a migration folder. */
export const FOLDER_STATE_FILE = '_partitions.json';

interface Snapshot {
  type?: string;
  version: string;
  dialect: string;
  id: string;
  prevIds?: string[];
  ddl?: { entityType: string; schema?: string; name?: string }[];
  deltas?: { op: string; key?: string; row?: { entityType: string; schema?: string; name?: string }; set?: { name?: string; schema?: string } }[];
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
  return s;
}

/** `tables\u0000["public","events"]` -> `public.events`. */
function tableFromKey(key: string | undefined): string | undefined {
  if (!key?.startsWith('tables\u0000')) return undefined;
  try {
    const [schema, name] = JSON.parse(key.slice('tables\u0000'.length)) as [string, string];
    return `${schema || 'public'}.${name}`;
  } catch {
    return undefined;
  }
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function parseStamp(folder: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(folder);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
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
  const folders = readdirSync(outDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(outDir, d.name, 'snapshot.json')))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b));
  const snapshots = folders.map((f) => readSnapshot(join(outDir, f, 'snapshot.json')));
  const migrations: Migration[] = folders.map((f) => ({ id: f, sqlPath: join(outDir, f, 'migration.sql'), statePath: join(outDir, f, FOLDER_STATE_FILE) }));

  // Table sets after each migration, replayed from the base ddl and the deltas.
  const after: Set<string>[] = [];
  let tables = new Set<string>();
  for (const s of snapshots) {
    if (s.type === 'base' || s.ddl) {
      tables = new Set((s.ddl ?? []).filter((e) => e.entityType === 'tables').map((e) => `${e.schema || 'public'}.${e.name}`));
    } else {
      tables = new Set(tables);
      for (const d of s.deltas ?? []) {
        if (d.op === 'create' && d.row?.entityType === 'tables') tables.add(`${d.row.schema || 'public'}.${d.row.name}`);
        const key = tableFromKey(d.key);
        if (!key) continue;
        if (d.op === 'drop') tables.delete(key);
        if (d.op === 'rename' || d.op === 'update') {
          tables.delete(key);
          const [schema, name] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
          tables.add(`${d.set?.schema ?? schema}.${d.set?.name ?? name}`);
        }
      }
    }
    after.push(tables);
  }

  return {
    kind: 'folders',
    outDir,
    migrations,
    tablesBefore: (index) => (index <= 0 ? new Set() : after[index - 1]),
    isCustom: (index) => {
      const s = snapshots[index]!;
      return s.type === 'diff' && (s.deltas ?? []).length === 0;
    },
    planNewMigration(name, sql, now) {
      const last = snapshots[snapshots.length - 1];
      const lastFolder = folders[folders.length - 1];
      if (!last || !lastFolder) throw new PostprocessError('NO_MIGRATIONS', outDir, 'has no migration to build on', 'run drizzle-kit generate first');
      const parentTime = parseStamp(lastFolder);
      const when = parentTime && parentTime.getTime() + 1000 > now.getTime() ? new Date(parentTime.getTime() + 1000) : now;
      const folder = `${stamp(when)}_${name}`;
      const referenced = new Set(snapshots.flatMap((s) => s.prevIds ?? []));
      const leaves = snapshots.filter((s) => !referenced.has(s.id)).map((s) => s.id);
      const snapshot = { type: 'diff', version: last.version, dialect: 'postgres', id: randomUUID(), prevIds: leaves.length > 0 ? leaves : [last.id], footprints: [], deltas: [] };
      const migration: Migration = { id: folder, sqlPath: join(outDir, folder, 'migration.sql'), statePath: join(outDir, folder, FOLDER_STATE_FILE) };
      const writes: FileWrite[] = [
        { path: migration.sqlPath, content: sql },
        // snapshot.json last: without it drizzle-kit does not see the folder
        { path: join(outDir, folder, 'snapshot.json'), content: JSON.stringify(snapshot, null, 2) },
      ];
      return { migration, writes };
    },
  };
}
