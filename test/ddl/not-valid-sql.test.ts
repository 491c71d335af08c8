/**
 * The SQL of constraints added NOT VALID and validated afterwards
 * (src/ddl/not-valid-sql.ts): exact text, then run on the server. The foreign key on
 * a partitioned table depends on the version: PostgreSQL 18 adds it NOT VALID,
 * 13 to 17 refuse that and the block adds it validated, with a notice.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { addNotValidSql, partitionedForeignKeySql, validateConstraintSql } from '../../src/ddl/index.js';
import { unqualifiedCheckSql } from '../../src/ddl/not-valid-sql.js';
import { connect, type Sql } from '../harness/client.js';
import { useTestDatabase } from '../harness/db.js';

const db = useTestDatabase({ prefix: 'dp_not_valid_sql' });
const clients: Sql[] = [];
afterAll(async () => {
  for (const c of clients) await c.end({ timeout: 5 });
});

async function validated(table: string, constraint: string): Promise<{ table: string; valid: boolean }[]> {
  return db.sql<{ table: string; valid: boolean }[]>`
    SELECT c.conrelid::regclass::text AS table, c.convalidated AS valid FROM pg_constraint c
    WHERE c.conname = ${constraint} AND (c.conrelid = ${table}::regclass OR c.conrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = ${table}::regclass))
    ORDER BY 1`;
}

describe('rendering', () => {
  it('adds NOT VALID before the semicolon, once', () => {
    const fk = 'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;';
    expect(addNotValidSql(fk)).toBe('ALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action NOT VALID;');
    expect(addNotValidSql('ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("n" > 0)')).toBe('ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("n" > 0) NOT VALID;');
    expect(addNotValidSql('ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("n" > 0) NOT VALID;\n')).toBe('ALTER TABLE "t" ADD CONSTRAINT "c" CHECK ("n" > 0) NOT VALID;');
  });

  it("drops drizzle-kit 0.31's table qualification from a check's columns, leaving literals and other names alone", () => {
    expect(unqualifiedCheckSql(`ALTER TABLE "events" ADD CONSTRAINT "events_n" CHECK ("events"."n" >= 0 AND "events"."k" <> '"events"."k"' AND "other"."x" = 1);`, 'events')).toBe(
      `ALTER TABLE "events" ADD CONSTRAINT "events_n" CHECK ("n" >= 0 AND "k" <> '"events"."k"' AND "other"."x" = 1);`,
    );
    expect(unqualifiedCheckSql(`ALTER TABLE "we""ird" ADD CONSTRAINT "c" CHECK ("we""ird"."n" > 0);`, 'we"ird')).toBe(`ALTER TABLE "we""ird" ADD CONSTRAINT "c" CHECK ("n" > 0);`);
  });

  it('quotes the table and constraint of VALIDATE', () => {
    expect(validateConstraintSql({ schema: 'app', name: 'we"ird' }, 'c.1')).toBe('ALTER TABLE "app"."we""ird" VALIDATE CONSTRAINT "c.1";');
    expect(() => validateConstraintSql({ name: 't' }, 'x'.repeat(64))).toThrow('IDENTIFIER_TOO_LONG');
  });

  it('writes the partitioned foreign key as a version-dependent block', () => {
    const stmt = `ALTER TABLE "events" ADD CONSTRAINT "events_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");`;
    expect(partitionedForeignKeySql({ name: 'events' }, 'events_user_fk', stmt)).toBe(
      [
        `DO $drizzle_partitions$ BEGIN IF current_setting('server_version_num')::int >= 180000 THEN`,
        `EXECUTE 'ALTER TABLE "events" ADD CONSTRAINT "events_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") NOT VALID';`,
        `ELSE RAISE NOTICE '%', 'drizzle-partitions: PostgreSQL before 18 cannot add a NOT VALID foreign key to a partitioned table, so foreign key "events_user_fk" on partitioned table "events" is added and validated at once (holding SHARE ROW EXCLUSIVE on both tables during the scan)';`,
        `EXECUTE 'ALTER TABLE "events" ADD CONSTRAINT "events_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id")';`,
        `END IF; END $drizzle_partitions$;`,
      ].join('\n'),
    );
  });
});

describe('on the server', () => {
  it('a check added NOT VALID to a partitioned table is enforced for new rows, and VALIDATE validates every partition', async () => {
    const { sql } = db;
    await sql.unsafe(`CREATE TABLE ev (id int NOT NULL, day date NOT NULL, n int) PARTITION BY RANGE (day)`);
    await sql.unsafe(`CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')`);
    await sql.unsafe(`CREATE TABLE ev_b PARTITION OF ev DEFAULT`);
    await sql.unsafe(`INSERT INTO ev VALUES (1, '2026-01-05', -1), (2, '2027-01-01', 3)`);
    // as drizzle-kit 0.31 writes it, the qualified column fails on a partitioned table
    const kit = `ALTER TABLE "ev" ADD CONSTRAINT "ev_n_check" CHECK ("ev"."n" >= 0);`;
    await expect(sql.unsafe(addNotValidSql(kit))).rejects.toThrow('missing FROM-clause entry for table "ev"');
    await sql.unsafe(addNotValidSql(unqualifiedCheckSql(kit, 'ev')));
    expect(await validated('ev', 'ev_n_check')).toEqual([
      { table: 'ev', valid: false },
      { table: 'ev_a', valid: false },
      { table: 'ev_b', valid: false },
    ]);
    await expect(sql.unsafe(`INSERT INTO ev VALUES (3, '2026-01-06', -5)`)).rejects.toThrow(/ev_n_check/);
    await expect(sql.unsafe(validateConstraintSql({ name: 'ev' }, 'ev_n_check'))).rejects.toThrow(/violated by some row/);
    await sql.unsafe(`UPDATE ev SET n = 0 WHERE n < 0`);
    await sql.unsafe(validateConstraintSql({ name: 'ev' }, 'ev_n_check'));
    expect((await validated('ev', 'ev_n_check')).every((r) => r.valid)).toBe(true);
    // a second VALIDATE of a valid constraint does nothing
    await sql.unsafe(validateConstraintSql({ name: 'ev' }, 'ev_n_check'));
  });

  it('a plain NOT VALID foreign key on a partitioned table is refused before PostgreSQL 18, accepted from 18', async () => {
    const { sql } = db;
    await sql.unsafe(`CREATE TABLE us (id int PRIMARY KEY)`);
    await sql.unsafe(`CREATE TABLE ev2 (id int NOT NULL, day date NOT NULL, user_id int) PARTITION BY RANGE (day)`);
    await sql.unsafe(`CREATE TABLE ev2_d PARTITION OF ev2 DEFAULT`);
    const attempt = sql.unsafe(addNotValidSql(`ALTER TABLE "ev2" ADD CONSTRAINT "ev2_user_fk" FOREIGN KEY ("user_id") REFERENCES "us"("id");`));
    if (db.serverVersionNum >= 180000) {
      await attempt;
      expect(await validated('ev2', 'ev2_user_fk')).toEqual([
        { table: 'ev2', valid: false },
        { table: 'ev2_d', valid: false },
      ]);
    } else {
      await expect(attempt).rejects.toThrow('cannot add NOT VALID foreign key on partitioned table');
    }
  });

  it('the block adds the foreign key on a partitioned table: NOT VALID on 18+, validated with a notice before', async () => {
    const notices: string[] = [];
    const sql = connect(db.url, { onNotice: (m) => notices.push(m) });
    clients.push(sql);
    await sql.unsafe(`CREATE TABLE "us 3" (id int PRIMARY KEY)`);
    await sql.unsafe(`INSERT INTO "us 3" VALUES (1)`);
    await sql.unsafe(`CREATE TABLE "ev'3" (id int NOT NULL, day date NOT NULL, user_id int) PARTITION BY RANGE (day)`);
    await sql.unsafe(`CREATE TABLE "ev'3_d" PARTITION OF "ev'3" DEFAULT`);
    await sql.unsafe(`INSERT INTO "ev'3" VALUES (1, '2026-01-01', 1)`);
    const stmt = `ALTER TABLE "ev'3" ADD CONSTRAINT "ev3_user_%_fk" FOREIGN KEY ("user_id") REFERENCES "us 3"("id");`;
    await sql.begin((tx) => tx.unsafe(partitionedForeignKeySql({ name: "ev'3" }, 'ev3_user_%_fk', stmt)));
    const rows = await validated(`"ev'3"`, 'ev3_user_%_fk');
    expect(rows.map((r) => r.table)).toEqual([`"ev'3"`, `"ev'3_d"`]);
    if (db.serverVersionNum >= 180000) {
      expect(rows.every((r) => !r.valid)).toBe(true);
      expect(notices).toEqual([]);
    } else {
      expect(rows.every((r) => r.valid)).toBe(true);
      expect(notices).toEqual([`drizzle-partitions: PostgreSQL before 18 cannot add a NOT VALID foreign key to a partitioned table, so foreign key "ev3_user_%_fk" on partitioned table "ev'3" is added and validated at once (holding SHARE ROW EXCLUSIVE on both tables during the scan)`]);
    }
    // VALIDATE afterwards: valid everywhere, on every version
    await sql.unsafe(validateConstraintSql({ name: "ev'3" }, 'ev3_user_%_fk'));
    expect((await validated(`"ev'3"`, 'ev3_user_%_fk')).every((r) => r.valid)).toBe(true);
  });
});
