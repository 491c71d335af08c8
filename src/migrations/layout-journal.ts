/**
 * drizzle-kit 0.31's migrations folder: `<out>/<tag>.sql`, `<out>/meta/_journal.json`
 * and `<out>/meta/<prefix>_snapshot.json`. Partitioning state goes to
 * `<out>/meta/_partitions/<tag>.json`: drizzle-kit skips names starting with `_`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileWrite, Migration, MigrationsLayout } from './layout.js';
import { PostprocessError } from '../errors.js';

interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

/** The keys drizzle-kit 0.31 allows on a snapshot's table object (it validates them strictly). */
const TABLE_KEYS = new Set(['name', 'schema', 'columns', 'indexes', 'foreignKeys', 'compositePrimaryKeys', 'uniqueConstraints', 'policies', 'checkConstraints', 'isRLSEnabled']);

/** Where this package keeps state in a journal layout. */
export const JOURNAL_STATE_DIR = join('meta', '_partitions');

/** drizzle-kit 0.31's journal, relative to the migrations folder. */
export const JOURNAL_FILE = join('meta', '_journal.json');

/** `0003_add_events` -> `0003`; the snapshot of that tag is `meta/0003_snapshot.json`. */
export function snapshotPrefix(tag: string): string {
  const i = tag.indexOf('_');
  return i < 0 ? tag : tag.slice(0, i);
}

function readJson(path: string, code: 'JOURNAL_MALFORMED' | 'SNAPSHOT_MALFORMED'): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PostprocessError(code, path, `cannot be read as JSON: ${(e as Error).message}`);
  }
}

/** Checks a snapshot the way drizzle-kit will, so a malformed one stops us before drizzle-kit silently writes nothing. */
function checkSnapshot(path: string, snap: unknown): asserts snap is { id: string; prevId: string; tables: Record<string, Record<string, unknown>> } {
  const s = snap as Record<string, unknown>;
  if (typeof s !== 'object' || s === null || typeof s.id !== 'string' || typeof s.tables !== 'object' || s.tables === null) {
    throw new PostprocessError('SNAPSHOT_MALFORMED', path, 'is not a drizzle-kit snapshot (no id or tables)', 'restore it from version control; drizzle-kit ignores a malformed snapshot and writes nothing');
  }
  if (s.dialect !== 'postgresql') throw new PostprocessError('SNAPSHOT_MALFORMED', path, `has dialect ${JSON.stringify(s.dialect)}, not "postgresql"`);
  for (const [key, table] of Object.entries(s.tables as Record<string, Record<string, unknown>>)) {
    const extra = Object.keys(table ?? {}).filter((k) => !TABLE_KEYS.has(k));
    if (extra.length > 0) {
      throw new PostprocessError('SNAPSHOT_MALFORMED', path, `table "${key}" has key(s) drizzle-kit does not allow: ${extra.join(', ')}; drizzle-kit would report "data is malformed" and write nothing`, 'remove those keys (restore the file from version control)');
    }
  }
}

/** JSON with object keys sorted, so equal data compares equal whatever its key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function formatTag(prefix: string, idx: number, name: string, now: Date, where: string): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  switch (prefix) {
    case 'index':
      return `${String(idx).padStart(4, '0')}_${name}`;
    case 'timestamp':
    case 'supabase':
      return `${stamp}_${name}`;
    case 'unix':
      return `${Math.floor(now.getTime() / 1000)}_${name}`;
    default:
      throw new PostprocessError('PREFIX_UNSUPPORTED', where, `migrations.prefix "${prefix}" is not supported`, "use 'index' (the default), 'timestamp', 'supabase' or 'unix'");
  }
}

/**
 * Opens a drizzle-kit 0.31 migrations folder.
 *
 * @example
 * ```ts
 * const layout = openJournalLayout('/app/drizzle', { prefix: 'index', breakpoints: true });
 * layout.migrations.map((m) => m.id); // ['0000_init', '0001_events']
 * ```
 */
export function openJournalLayout(outDir: string, opts: { prefix: string; breakpoints: boolean }): MigrationsLayout {
  const journalPath = join(outDir, JOURNAL_FILE);
  if (opts.prefix === 'none') {
    throw new PostprocessError('PREFIX_UNSUPPORTED', journalPath, 'migrations.prefix "none" names every snapshot "_snapshot.json", which drizzle-kit itself skips when it looks for the previous snapshot, so each migration is diffed against an empty schema', "use prefix 'index' (the default) or 'timestamp'");
  }
  if (!existsSync(journalPath)) {
    throw new PostprocessError('JOURNAL_MISSING', journalPath, 'does not exist', 'run drizzle-kit generate first (the journal layout of drizzle-kit 0.31 keeps it in meta/)');
  }
  const journal = readJson(journalPath, 'JOURNAL_MALFORMED') as Journal;
  if (typeof journal !== 'object' || journal === null || !Array.isArray(journal.entries)) {
    throw new PostprocessError('JOURNAL_MALFORMED', journalPath, 'has no entries array');
  }
  if (journal.dialect !== 'postgresql') {
    throw new PostprocessError('JOURNAL_MALFORMED', journalPath, `is for dialect ${JSON.stringify(journal.dialect)}; drizzle-partitions is for PostgreSQL`);
  }
  const entries = journal.entries;
  const migrations: Migration[] = entries.map((e) => {
    if (typeof e?.tag !== 'string') throw new PostprocessError('JOURNAL_MALFORMED', journalPath, `has an entry without a tag: ${JSON.stringify(e)}`);
    return { id: e.tag, sqlPath: join(outDir, `${e.tag}.sql`), statePath: join(outDir, JOURNAL_STATE_DIR, `${e.tag}.json`) };
  });
  const snapshots = new Map<string, { id: string; tables: Record<string, Record<string, unknown>> } & Record<string, unknown>>();
  const snapshot = (tag: string) => {
    let s = snapshots.get(tag);
    if (!s) {
      const path = join(outDir, 'meta', `${snapshotPrefix(tag)}_snapshot.json`);
      if (!existsSync(path)) throw new PostprocessError('SNAPSHOT_MALFORMED', path, `is missing: journal entry ${tag} has no snapshot`);
      const data = readJson(path, 'SNAPSHOT_MALFORMED');
      checkSnapshot(path, data);
      s = data as typeof s & object;
      snapshots.set(tag, s);
    }
    return s;
  };
  // Check every snapshot now: drizzle-kit reads them all, and a malformed one makes it write nothing.
  for (const e of entries) snapshot(e.tag);

  const tableKeys = (tag: string) =>
    new Set(
      Object.values(snapshot(tag).tables).map((t) => `${(t.schema as string) || 'public'}.${t.name as string}`),
    );

  const schemaOf = (tag: string) => {
    const { id: _id, prevId: _prevId, _meta: _m, ...rest } = snapshot(tag) as Record<string, unknown>;
    return canonicalJson(rest);
  };

  return {
    kind: 'journal',
    outDir,
    migrations,
    tablesBefore: (index) => (index <= 0 ? new Set() : tableKeys(entries[index - 1]!.tag)),
    isCustom: (index) => index > 0 && schemaOf(entries[index]!.tag) === schemaOf(entries[index - 1]!.tag),
    planNewMigration(name, sql, now) {
      const last = entries[entries.length - 1];
      if (!last) throw new PostprocessError('NO_MIGRATIONS', journalPath, 'has no migration to build on', 'run drizzle-kit generate first');
      const idx = last.idx + 1;
      const tag = formatTag(opts.prefix, idx, name, now, journalPath);
      const prev = snapshot(last.tag);
      const nextSnapshot = { ...prev, id: randomUUID(), prevId: prev.id };
      const entry: JournalEntry = { idx, version: last.version ?? '7', when: Math.max(now.getTime(), last.when + 1), tag, breakpoints: opts.breakpoints };
      const nextJournal = { ...journal, entries: [...entries, entry] };
      const migration: Migration = { id: tag, sqlPath: join(outDir, `${tag}.sql`), statePath: join(outDir, JOURNAL_STATE_DIR, `${tag}.json`) };
      const writes: FileWrite[] = [
        { path: migration.sqlPath, content: sql },
        { path: join(outDir, 'meta', `${snapshotPrefix(tag)}_snapshot.json`), content: JSON.stringify(nextSnapshot, null, 2) },
        // the journal last: until it names the migration, drizzle-kit does not see it
        { path: journalPath, content: JSON.stringify(nextJournal, null, 2) },
      ];
      // the next migration planned builds on this one
      entries.push(entry);
      migrations.push(migration);
      snapshots.set(tag, nextSnapshot);
      return { migration, writes };
    },
  };
}
