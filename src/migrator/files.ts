/**
 * A migrations folder as drizzle-orm's migrators read it — not as drizzle-kit's
 * generate does (that is src/migrations/layout-*.ts, which also needs the
 * snapshots): only the SQL files, their order, and what the migrators record of
 * each one.
 *
 * - drizzle-orm 0.45 (drizzle-kit 0.31's journal layout, `readMigrationFiles` in
 *   `drizzle-orm/migrator`): the entries of `meta/_journal.json` in their order,
 *   `<tag>.sql` each; `created_at` is the entry's `when`.
 * - drizzle-orm 1.0 (folders): every `<folder>/migration.sql`, folders sorted with
 *   `localeCompare`; `created_at` is the UTC time of the folder name's first 14
 *   digits (`formatToMillis`); `name` is the folder name.
 *
 * Both hash the file's text with SHA-256 (hex) and split it on
 * `--> statement-breakpoint`.
 */
import { quotedSpanEnd } from '../sql/quoted-span.js';
import { ormFolderMillis } from '../compat/folder-time.js';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MigratorError } from '../errors.js';
import { JOURNAL_FILE } from '../migrations/layout-journal.js';
import { BREAKPOINT } from '../migrations/sql-file.js';


/**
 * One migration as drizzle-orm's migrators see it.
 *
 * @example
 * ```ts
 * const [first] = readMigrationFolder('/app/drizzle').migrations;
 * first.id;        // '0000_init' (0.31) or '20260101120000_init' (1.0)
 * first.createdAt; // what drizzle records as created_at
 * ```
 */
export interface MigrationFile {
  /** Journal tag (0.31) or folder name (1.0, what drizzle-orm 1.0 records as `name`). */
  id: string;
  sqlPath: string;
  /** The file's text. */
  sql: string;
  /** SHA-256 (hex) of the text: drizzle's `hash`. */
  hash: string;
  /** drizzle's `created_at`. */
  createdAt: number;
}

/**
 * A migrations folder: its layout and its migrations in the order drizzle applies them.
 *
 * @example
 * ```ts
 * const { layout, migrations } = readMigrationFolder('/app/drizzle'); // layout: 'journal' | 'folders'
 * ```
 */
export interface MigrationFolder {
  /** `journal`: drizzle-kit 0.31 (`meta/_journal.json`); `folders`: drizzle-kit 1.0. */
  layout: 'journal' | 'folders';
  folder: string;
  migrations: MigrationFile[];
}

function file(id: string, sqlPath: string, createdAt: number): MigrationFile {
  if (!existsSync(sqlPath)) {
    throw new MigratorError('MIGRATION_SQL_MISSING', `${sqlPath} does not exist, yet the migrations folder lists migration ${id}`, 'restore the file from version control');
  }
  const sql = readFileSync(sqlPath, 'utf8');
  return { id, sqlPath, sql, hash: createHash('sha256').update(sql).digest('hex'), createdAt };
}

/**
 * Reads `folder` the way drizzle-orm's migrator of its layout does.
 *
 * @throws {MigratorError} `MIGRATIONS_NOT_FOUND` (no such folder, or neither a
 *   journal nor a `<folder>/migration.sql` in it), `MIGRATION_SQL_MISSING` (the
 *   journal names a file that is not there), `JOURNAL_UNREADABLE`.
 *
 * @example
 * ```ts
 * const { migrations } = readMigrationFolder('/app/drizzle');
 * ```
 */
export function readMigrationFolder(folder: string): MigrationFolder {
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    throw new MigratorError('MIGRATIONS_NOT_FOUND', `migrations folder ${folder} does not exist`, 'pass the folder drizzle-kit generates into (the config\'s "out", default ./drizzle)');
  }
  const journalPath = join(folder, JOURNAL_FILE);
  if (existsSync(journalPath)) {
    let entries: unknown;
    try {
      entries = (JSON.parse(readFileSync(journalPath, 'utf8')) as { entries?: unknown }).entries;
    } catch (e) {
      throw new MigratorError('JOURNAL_UNREADABLE', `${journalPath} cannot be read as JSON: ${(e as Error).message}`, 'restore it from version control');
    }
    if (!Array.isArray(entries) || entries.some((e: { tag?: unknown; when?: unknown }) => typeof e?.tag !== 'string' || typeof e?.when !== 'number')) {
      throw new MigratorError('JOURNAL_UNREADABLE', `${journalPath} has no entries list of { tag, when }`, 'restore it from version control');
    }
    const list = entries as { tag: string; when: number }[];
    return { layout: 'journal', folder, migrations: list.map((e) => file(e.tag, join(folder, `${e.tag}.sql`), e.when)) };
  }
  const names = readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(folder, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b));
  if (names.length === 0) {
    throw new MigratorError('MIGRATIONS_NOT_FOUND', `${folder} holds no drizzle migrations: neither meta/_journal.json (drizzle-kit 0.31) nor <folder>/migration.sql (drizzle-kit 1.0)`, 'run drizzle-kit generate (or drizzle-partitions generate) first');
  }
  return { layout: 'folders', folder, migrations: names.map((n) => file(n, join(folder, n, 'migration.sql'), ormFolderMillis(n))) };
}

/**
 * The statements drizzle sends: the text split on `--> statement-breakpoint`, as
 * drizzle does, minus the pieces that hold nothing but blanks and comments.
 *
 * @example
 * ```ts
 * splitStatements('CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE b (id int);'); // two statements
 * ```
 */
export function splitStatements(sql: string): string[] {
  return sql.split(BREAKPOINT).filter((s) => stripComments(s).trim() !== '');
}

/** The text without `--` line comments and `/* *\/` block comments (quoted text left alone). */
export function stripComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      out += ' ';
      continue;
    }
    if (c === "'" || c === '"') {
      const end = quotedSpanEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
