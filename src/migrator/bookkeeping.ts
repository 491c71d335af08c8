/**
 * drizzle's own bookkeeping, written the way drizzle-orm writes it, so a project can
 * switch between this migrator and drizzle's (drizzle-kit migrate, drizzle-orm's
 * migrate()) in either direction at any point.
 *
 * The table is `"drizzle"."__drizzle_migrations"` unless `migrations.schema` /
 * `migrations.table` of the config (`migrationsSchema` / `migrationsTable` of
 * drizzle-orm's migrate()) say otherwise:
 *
 * - drizzle-orm 0.45: `(id serial primary key, hash text not null, created_at bigint)`.
 *   A migration is pending when its `created_at` (the journal's `when`) is later than
 *   the `created_at` of the row with the greatest one.
 * - drizzle-orm 1.0: the same plus `name text` and `applied_at timestamptz default
 *   now()`. A migration is pending when no row has its name (the folder name). A
 *   table without `name` (made by 0.45) is upgraded first, as 1.0 does: each row is
 *   matched to a migration by its `created_at` second (the hash decides between
 *   several), else by its hash, and given that migration's name (`applied_at` null).
 */
import { quoteIdent, quoteQualified, type QualifiedName } from '../sql/quote.js';
import { MigratorError } from '../errors.js';
import type { Executor } from '../runtime/executor.js';
import type { MigrationFile } from './files.js';

/** drizzle's defaults. */
export const DEFAULT_MIGRATIONS_TABLE: Required<QualifiedName> = { schema: 'drizzle', name: '__drizzle_migrations' };

/**
 * A row of the bookkeeping table.
 *
 * @example
 * ```ts
 * const row: BookkeepingRow = { id: 1, hash: 'e3b0…', createdAt: 1767225600000, name: '20260101000000_init' };
 * ```
 */
export interface BookkeepingRow {
  id: number;
  hash: string;
  createdAt: number | null;
  /** null in a 0.45 table, or for rows written before the upgrade could name them. */
  name: string | null;
}

/**
 * The migrations drizzle would apply, in order: for the journal layout (drizzle-orm
 * 0.45) those later than the latest `created_at`; for folders (1.0) those whose name
 * no row has.
 *
 * @example
 * ```ts
 * pendingMigrations('journal', folder.migrations, rows).map((m) => m.id); // ['0003_add_index']
 * ```
 */
export function pendingMigrations(layout: 'journal' | 'folders', local: readonly MigrationFile[], rows: readonly BookkeepingRow[]): MigrationFile[] {
  if (layout === 'folders') {
    const names = new Set(rows.map((r) => r.name).filter((n): n is string => n !== null));
    return local.filter((m) => !names.has(m.id));
  }
  // drizzle-orm 0.45: the row of `order by created_at desc limit 1` (a null sorts first
  // there and reads as 0), and every migration later than it
  if (rows.length === 0) return [...local];
  const last = rows.some((r) => r.createdAt === null) ? 0 : Math.max(...rows.map((r) => r.createdAt!));
  return local.filter((m) => last < m.createdAt);
}

/** The table as it is now. */
export interface Bookkeeping {
  table: Required<QualifiedName>;
  /** Whether it has drizzle-orm 1.0's `name` column. */
  named: boolean;
  rows: BookkeepingRow[];
}

async function columnsOf(ex: Executor, table: Required<QualifiedName>): Promise<string[] | undefined> {
  const rows = await ex.query<{ col: string | null }>(
    `select a.attname::text as col from pg_class c left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where c.oid = to_regclass($1)`,
    [quoteQualified(table)],
  );
  return rows.length === 0 ? undefined : rows.map((r) => r.col).filter((c): c is string => c !== null);
}

async function readRows(ex: Executor, table: Required<QualifiedName>, named: boolean): Promise<BookkeepingRow[]> {
  const rows = await ex.query<{ id: number; hash: string; created: string | null; name: string | null }>(
    `select id::int as id, hash, created_at::text as created, ${named ? 'name' : 'null::text'} as name from ${quoteQualified(table)} order by id`,
  );
  return rows.map((r) => ({ id: r.id, hash: r.hash, createdAt: r.created === null ? null : Number(r.created), name: r.name }));
}

/**
 * Makes sure the bookkeeping table exists in the shape the layout's drizzle-orm
 * uses (creating schema and table as drizzle does, upgrading a 0.45 table for a
 * folder layout as drizzle-orm 1.0 does), and reads it.
 *
 * @throws {MigratorError} `MIGRATIONS_TABLE_MISMATCH` when the upgrade finds rows
 *   that match no migration of the folder (drizzle-orm 1.0 refuses likewise).
 *
 * @example
 * ```ts
 * const book = await openBookkeeping(ex, DEFAULT_MIGRATIONS_TABLE, folder);
 * ```
 */
export async function openBookkeeping(ex: Executor, table: Required<QualifiedName>, layout: 'journal' | 'folders', local: readonly MigrationFile[]): Promise<Bookkeeping> {
  let columns = await columnsOf(ex, table);
  if (columns === undefined) {
    const [schema] = await ex.query<{ ok: boolean }>('select exists (select 1 from pg_namespace where nspname = $1) as ok', [table.schema]);
    if (!schema?.ok) await ex.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.schema)}`);
    const named = layout === 'folders' ? ', name text, applied_at timestamp with time zone DEFAULT now()' : '';
    await ex.query(`CREATE TABLE IF NOT EXISTS ${quoteQualified(table)} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint${named})`);
    columns = await columnsOf(ex, table);
  }
  let named = columns!.includes('name');
  if (layout === 'folders' && !named) {
    await upgradeToNamed(ex, table, local);
    named = true;
  }
  return { table, named, rows: await readRows(ex, table, named) };
}

/** drizzle-orm 1.0's upgrade of a 0.45 table: add name and applied_at, name every row after its migration. */
async function upgradeToNamed(ex: Executor, table: Required<QualifiedName>, local: readonly MigrationFile[]): Promise<void> {
  const rows = await readRows(ex, table, false);
  const bySecond = new Map<number, MigrationFile[]>();
  for (const m of local) bySecond.set(m.createdAt, [...(bySecond.get(m.createdAt) ?? []), m]);
  const names: { id: number; name: string }[] = [];
  const unmatched: number[] = [];
  for (const r of rows) {
    // the row's created_at, to the second (a journal's `when` has milliseconds; folder times do not)
    const second = r.createdAt === null ? NaN : Math.floor(r.createdAt / 1000) * 1000;
    const candidates = bySecond.get(second) ?? [];
    const match = candidates.length === 1 ? candidates[0] : candidates.length > 1 ? candidates.find((m) => m.hash === r.hash) : local.find((m) => m.hash === r.hash);
    if (match) names.push({ id: r.id, name: match.id });
    else unmatched.push(r.id);
  }
  if (unmatched.length > 0) {
    throw new MigratorError(
      'MIGRATIONS_TABLE_MISMATCH',
      `${quoteQualified(table)} has ${unmatched.length} row(s) (ids ${unmatched.join(', ')}) that match no migration of the folder: migrations were applied to this database that the folder does not hold`,
      'restore the missing migrations into the folder (drizzle-orm 1.0 refuses to upgrade the table likewise)',
    );
  }
  await ex.transaction(async (tx) => {
    await tx.query(`ALTER TABLE ${quoteQualified(table)} ADD COLUMN IF NOT EXISTS name text`);
    await tx.query(`ALTER TABLE ${quoteQualified(table)} ADD COLUMN IF NOT EXISTS applied_at timestamp with time zone DEFAULT now()`);
    for (const n of names) await tx.query(`UPDATE ${quoteQualified(table)} SET name = $1::text, applied_at = NULL WHERE id = $2::int`, [n.name, n.id]);
  });
}

/**
 * The statement that records `m` as applied, and its parameters.
 *
 * @example
 * ```ts
 * const { text, params } = recordSql(book, migration);
 * await tx.query(text, params);
 * ```
 */
export function recordSql(book: Pick<Bookkeeping, 'table' | 'named'>, m: MigrationFile): { text: string; params: unknown[] } {
  return book.named
    ? { text: `insert into ${quoteQualified(book.table)} ("hash", "created_at", "name") values ($1::text, $2::bigint, $3::text)`, params: [m.hash, String(m.createdAt), m.id] }
    : { text: `insert into ${quoteQualified(book.table)} ("hash", "created_at") values ($1::text, $2::bigint)`, params: [m.hash, String(m.createdAt)] };
}
