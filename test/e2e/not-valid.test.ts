/**
 * notValid() through `drizzle-partitions generate` and `drizzle-partitions migrate`,
 * on the real drizzle-kit 0.31 and 1.0 CLIs and real PostgreSQL. A foreign key or
 * check added to a table that already holds rows:
 *
 * - marked: drizzle-kit's statement gets ` NOT VALID` (no scan under lock) and a
 *   migration of its own, run outside a transaction, validates it; a foreign key on
 *   a partitioned table is a block that adds it NOT VALID on PostgreSQL 18+ and
 *   validated at once before 18 (which refuses NOT VALID there);
 * - unmarked: left as drizzle-kit wrote it, with a warning naming it;
 * - on a table the same migration creates: left as drizzle-kit wrote it.
 *
 * A row that violates the check stops the validation with a sentence that says so;
 * the validating migration is not recorded, and once the row is fixed a rerun
 * converges.
 */
import { describe, expect, it } from 'vitest';
import type { Sql } from '../harness/db.js';
import { useE2eScratch } from '../support/e2e-scratch.js';
import { fingerprint } from '../support/history-kit.js';
import { createProject, pgConfig, type DrizzleLine, type Project } from '../support/project.js';

const { db, keep, freshDb } = useE2eScratch('dp_e2e_nv');

/**
 * users, orders and payments (plain), events (partitioned by month, a default
 * partition). `constraints`: orders gets a marked unnamed foreign key, events a
 * marked check and a marked foreign key, payments an unmarked foreign key.
 */
function schemaFile(constraints: boolean): string {
  const c = (text: string) => (constraints ? text : '');
  return `import { sql } from 'drizzle-orm';
import { check, date, foreignKey, integer, pgTable } from 'drizzle-orm/pg-core';
import { notValid, pgPartitionedTable, range } from 'drizzle-partitions';

export const users = pgTable('users', { id: integer().primaryKey() });
export const orders = pgTable('orders', { id: integer().primaryKey(), userId: integer('user_id') }, (t) => [
  ${c('notValid(foreignKey({ columns: [t.userId], foreignColumns: [users.id] })),')}
]);
export const payments = pgTable('payments', { id: integer().primaryKey(), userId: integer('user_id') }, (t) => [
  ${c("foreignKey({ name: 'payments_user_fk', columns: [t.userId], foreignColumns: [users.id] }),")}
]);
export const events = pgPartitionedTable('events', { id: integer().notNull(), at: date().notNull(), userId: integer('user_id'), n: integer() },
  (t) => [
    ${c("notValid(check('events_n_check', sql`${t.n} >= 0`)),")}
    ${c("notValid(foreignKey({ name: 'events_user_fk', columns: [t.userId], foreignColumns: [users.id] })),")}
  ],
  (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }, { from: '2026-02-01', to: '2026-03-01' }], defaultPartition: true }));
`;
}

/** The migrations' SQL files, in order. */
async function sqlFiles(p: Project): Promise<{ path: string; text: string }[]> {
  const files = Object.keys(await fingerprint(p))
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return Promise.all(files.map(async (path) => ({ path, text: await p.read(path) })));
}

/** Whether `constraint` is validated, on `table` and on each of its partitions. */
async function validity(sql: Sql, table: string, constraint: string): Promise<Record<string, boolean>> {
  const rows = await sql<{ table: string; valid: boolean }[]>`
    SELECT c.conrelid::regclass::text AS table, c.convalidated AS valid FROM pg_constraint c
    WHERE c.conname = ${constraint} AND (c.conrelid = ${table}::regclass OR c.conrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = ${table}::regclass))`;
  return Object.fromEntries(rows.map((r) => [r.table, r.valid]));
}

/** How many migrations drizzle's bookkeeping table records. */
async function recorded(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
  return row!.n;
}

const EVENTS = ['events', 'events_default', 'events_p20260101', 'events_p20260201'];
const all = (tables: string[], valid: boolean) => Object.fromEntries(tables.map((t) => [t, valid]));

for (const line of ['0.31', '1'] as const satisfies readonly DrizzleLine[]) {
  describe(`drizzle-kit ${line}`, { timeout: 120_000 }, () => {
    it('marked constraints on tables with rows: NOT VALID, validated outside a transaction; a violating row stops it until fixed', async () => {
      const p = await createProject({ name: `nv-${line}`, drizzle: line, files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': schemaFile(false) } });
      keep(p);
      expect((await p.cli(['generate', '--name', 'init'])).code).toBe(0);
      const { url, sql } = await freshDb();
      const first = await p.cli(['migrate', '--url', url]);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      await sql`INSERT INTO users VALUES (1), (2)`;
      await sql`INSERT INTO orders VALUES (1, 1), (2, 2)`;
      await sql`INSERT INTO payments VALUES (1, 1)`;
      // one row in each partition; the one in the default partition violates the check
      await sql`INSERT INTO events VALUES (1, '2026-01-10', 1, 5), (2, '2026-02-10', 2, 0), (3, '2027-05-01', 1, -1)`;

      await p.write('src/schema.ts', schemaFile(true));
      const r = await p.cli(['generate', '--name', 'c']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      // the unmarked foreign key on an existing table: a warning naming it
      expect(r.stderr).toMatch(/warning: \S+ adds foreign key "payments_user_fk" to existing table public\.payments: PostgreSQL scans every row .* wrap it in notValid\(\.\.\.\)/);
      const files = await sqlFiles(p);
      expect(files).toHaveLength(3);
      const [, kit, own] = files as [unknown, { path: string; text: string }, { path: string; text: string }];
      const fk = line === '1' ? 'orders_user_id_users_id_fkey' : 'orders_user_id_users_id_fk';
      expect(kit.text).toMatch(new RegExp(`^ALTER TABLE "orders" ADD CONSTRAINT "${fk}" FOREIGN KEY \\("user_id"\\) REFERENCES .* NOT VALID;`, 'm'));
      expect(kit.text).toMatch(/^ALTER TABLE "events" ADD CONSTRAINT "events_n_check" CHECK \(.*"n" >= 0\) NOT VALID;/m);
      expect(kit.text).toMatch(/^DO \$drizzle_partitions\$ BEGIN IF current_setting\('server_version_num'\)::int >= 180000 THEN\nEXECUTE 'ALTER TABLE "events" ADD CONSTRAINT "events_user_fk" FOREIGN KEY .* NOT VALID';/m);
      expect(kit.text).toMatch(/^ALTER TABLE "payments" ADD CONSTRAINT "payments_user_fk" FOREIGN KEY /m);
      expect(kit.text).not.toMatch(/"payments_user_fk"[^\n]*NOT VALID/);
      expect(own.path).toMatch(/c_validate/);
      expect(own.text).toBe(
        [
          '-- drizzle-partitions: partitioned DDL added',
          '-- drizzle-partitions: no-transaction',
          [`ALTER TABLE "orders" VALIDATE CONSTRAINT "${fk}";`, 'ALTER TABLE "events" VALIDATE CONSTRAINT "events_n_check";', 'ALTER TABLE "events" VALIDATE CONSTRAINT "events_user_fk";'].sort((a, b) => kit.text.indexOf(a.split('"')[3]!) - kit.text.indexOf(b.split('"')[3]!)).join('--> statement-breakpoint\n'),
        ].join('\n'),
      );

      // drizzle-kit sees no change and a second run writes nothing
      const check = await p.drizzleKit(['check']);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      const before = await fingerprint(p);
      expect((await p.cli(['generate', '--name', 'again'])).code).toBe(0);
      expect(await fingerprint(p)).toEqual(before);

      // the row in the default partition violates the check: the validation stops, its migration is not recorded
      const failed = await p.cli(['migrate', '--url', url]);
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toMatch(/MIGRATION_FAILED\].*rows of public\.events violate constraint events_n_check, so it cannot be validated \(check constraint "events_n_check" of relation "events_default" is violated by some row\); it stays NOT VALID/);
      expect(failed.stderr).toContain('fix: fix or delete the rows that violate events_n_check, then run the migrator again');
      expect(await recorded(sql)).toBe(2);
      expect(await validity(sql, 'events', 'events_n_check')).toEqual(all(EVENTS, false));
      // the partitioned foreign key, validated before the check failed: on 18+ it was added
      // NOT VALID and needed it; before 18 it was added validated (the notice's path)
      expect(await validity(sql, 'events', 'events_user_fk')).toEqual(all(EVENTS, true));
      expect(failed.stderr).toContain(db.serverVersionNum >= 180000 ? 'events_user_fk: validated' : 'events_user_fk: public.events has it valid already, skipped');
      expect(failed.stderr).toContain(`${fk}: validated`);
      // NOT VALID still checks new rows
      await expect(sql`INSERT INTO events VALUES (4, '2026-01-11', 1, -3)`).rejects.toThrow(/events_n_check/);

      await sql`UPDATE events SET n = 0 WHERE n < 0`;
      const ours = await p.cli(['migrate', '--url', url]);
      expect(ours.code, ours.stdout + ours.stderr).toBe(0);
      expect(await validity(sql, 'events', 'events_n_check')).toEqual(all(EVENTS, true));
      expect(await validity(sql, 'events', 'events_user_fk')).toEqual(all(EVENTS, true));
      expect(await validity(sql, 'orders', fk)).toEqual({ orders: true });
      expect(await validity(sql, 'payments', 'payments_user_fk')).toEqual({ payments: true });
      // and drizzle-kit migrate then finds nothing pending
      const after = await p.migrateWithDrizzleKit(url);
      expect(after.code, after.stdout + after.stderr).toBe(0);
      expect(await recorded(sql)).toBe(3);

      // removed from the schema: drizzle-kit drops them, nothing is left to validate
      await p.write('src/schema.ts', schemaFile(false));
      const d = await p.cli(['generate', '--name', 'unc']);
      expect(d.code, d.stdout + d.stderr).toBe(0);
      expect(await sqlFiles(p)).toHaveLength(4);
      const dropped = await p.cli(['migrate', '--url', url]);
      expect(dropped.code, dropped.stdout + dropped.stderr).toBe(0);
      const left = await sql`SELECT conname FROM pg_constraint WHERE conname IN ('events_n_check', 'events_user_fk', 'payments_user_fk', ${fk})`;
      expect(left).toEqual([]);
      const settled = await fingerprint(p);
      expect((await p.cli(['generate', '--name', 'again'])).code).toBe(0);
      expect(await fingerprint(p)).toEqual(settled);
    });

    it('on tables the same migration creates, marked constraints stay as drizzle-kit wrote them', async () => {
      const p = await createProject({ name: `nv-new-${line}`, drizzle: line, files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': schemaFile(true) } });
      keep(p);
      const r = await p.cli(['generate', '--name', 'init']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).not.toContain('to existing table');
      const files = await sqlFiles(p);
      expect(files).toHaveLength(1);
      expect(files[0]!.text).not.toContain('NOT VALID');
      expect(files[0]!.text).toMatch(/^ALTER TABLE "events" ADD CONSTRAINT "events_user_fk" FOREIGN KEY/m);
      const { url, sql } = await freshDb();
      const m = await p.migrateWithDrizzleKit(url);
      expect(m.code, m.stdout + m.stderr).toBe(0);
      expect(await validity(sql, 'events', 'events_n_check')).toEqual(all(EVENTS, true));
    });
  });
}
