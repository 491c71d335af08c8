/**
 * Edge cases a new user hits with drizzle-kit, on the real drizzle-kit CLI (0.31 and
 * 1.0-rc) and real PostgreSQL: the partition key column renamed (PostgreSQL renames it
 * in place; the recorded key follows), the partitioned table moved to another schema
 * (its partitions follow it), and a partition declared over rows that already sit in
 * the default partition (the migration moves them, counted, in its own transaction).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createScratchDatabase, type ScratchDatabase } from '../harness/client.js';
import { useTestDatabase, type Sql } from '../harness/db.js';
import { fingerprint } from '../support/history-kit.js';
import { columnRenameAnswer, createProject, hintsArgs, pgConfig, renameAnswer, renameHint, type DrizzleLine, type Project } from '../support/project.js';

const db = useTestDatabase({ prefix: 'dp_e2e_edges' });

const projects: Project[] = [];
afterAll(async () => {
  while (projects.length) await projects.pop()!.remove();
});

interface Shape {
  /** the key column's name */
  key?: string;
  /** the table's schema (undefined: public) */
  schema?: string;
  /** the monthly partitions declared, as 'YYYY-MM' starts */
  months?: string[];
}

/** events, RANGE on a date column, monthly partitions and a default partition. */
function schemaFile(shape: Shape = {}): string {
  const key = shape.key ?? 'at';
  const months = shape.months ?? ['2026-01'];
  const next = (m: string) => {
    const [y, mo] = m.split('-').map(Number) as [number, number];
    return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  };
  const parts = months.map((m) => `{ from: '${m}-01', to: '${next(m)}-01' }`).join(', ');
  const table = shape.schema
    ? `partitioned(appSchema.table('events', { id: integer().notNull(), ${key}: date().notNull(), note: text() }), (t) => range(t.${key}, { partitions: [${parts}] }))`
    : `pgPartitionedTable('events', { id: integer().notNull(), ${key}: date().notNull(), note: text() }, (t) => range(t.${key}, { partitions: [${parts}] }))`;
  return `import { date, integer, pgSchema, text } from 'drizzle-orm/pg-core';
import { partitioned, pgPartitionedTable, range } from 'drizzle-partitions';
${shape.schema ? `export const appSchema = pgSchema('${shape.schema}');\n` : ''}
export const events = ${table};
`;
}

const dbs: { scratch: ScratchDatabase; sql: Sql }[] = [];
/** A fresh database on the harness server (one per migrator run), dropped at the end. */
async function freshDb(): Promise<{ url: string; sql: Sql }> {
  const scratch = await createScratchDatabase(db.adminUrl, { prefix: 'dp_e2e_edges' });
  const sql = connect(scratch.url, { max: 2 });
  dbs.push({ scratch, sql });
  return { url: scratch.url, sql };
}
afterAll(async () => {
  for (const d of dbs) {
    await d.sql.end({ timeout: 5 });
    await d.scratch.drop();
  }
});

async function project(line: DrizzleLine, name: string, shape: Shape = {}): Promise<Project> {
  const p = await createProject({ name, drizzle: line, files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': schemaFile(shape) } });
  projects.push(p);
  const r = await p.cli(['generate', '--name', 'init']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return p;
}

async function migrate(p: Project, url: string): Promise<void> {
  const r = await p.migrateWithDrizzleKit(url);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

/** Every SQL file our post-processor and drizzle-kit wrote, joined. */
async function allSql(p: Project): Promise<string> {
  const fp = await fingerprint(p);
  const files = Object.keys(fp).filter((f) => f.endsWith('.sql'));
  return (await Promise.all(files.map((f) => p.read(f)))).join('\n');
}

/** The project's migrations once more: drizzle-kit finds no change and our post-processor writes nothing. */
async function expectSettled(p: Project): Promise<void> {
  const before = await fingerprint(p);
  const r = await p.cli(['generate', '--name', 'again']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(await fingerprint(p)).toEqual(before);
}

async function rows(sql: Sql, table: string): Promise<{ id: number; part: string }[]> {
  return sql.unsafe<{ id: number; part: string }[]>(`SELECT id, tableoid::regclass::text AS part FROM ${table} ORDER BY id`);
}

for (const line of ['0.31', '1'] as const) {
  describe(`drizzle-kit ${line}`, { timeout: 120_000 }, () => {
    it('renaming the partition key column follows the key (rows kept, later partitions named by it)', async () => {
      const p = await project(line, `rename-key-${line}`);
      const { url, sql } = await freshDb();
      await migrate(p, url);
      await sql`INSERT INTO events (id, at) VALUES (1, '2026-01-05'), (2, '2026-03-05')`;

      await p.write('src/schema.ts', schemaFile({ key: 'placed_at' }));
      const kit =
        line === '0.31'
          ? await p.drizzleKit(['generate', '--name', 'rename_key'], { answers: [columnRenameAnswer('events', 'placed_at')] })
          : await p.drizzleKit(['generate', '--name', 'rename_key', ...hintsArgs([renameHint(['public', 'events', 'at'], ['public', 'events', 'placed_at'], 'column')])]);
      expect(kit.code, kit.stdout + kit.stderr).toBe(0);
      const pp = await p.cli(['postprocess']);
      expect(pp.code, pp.stdout + pp.stderr).toBe(0);
      expect(pp.stdout + pp.stderr).toContain('key column at of public.events renamed to placed_at');
      expect(await allSql(p)).toContain('RENAME COLUMN "at" TO "placed_at"');
      await migrate(p, url);
      const [key] = await sql<{ def: string }[]>`SELECT pg_get_partkeydef('events'::regclass) AS def`;
      expect(key!.def).toBe('RANGE (placed_at)');
      expect(await rows(sql, 'events')).toEqual([
        { id: 1, part: 'events_p20260101' },
        { id: 2, part: 'events_default' },
      ]);
      await expectSettled(p);

      // a partition added after the rename is created on the renamed key, and takes its rows from the default
      await p.write('src/schema.ts', schemaFile({ key: 'placed_at', months: ['2026-01', '2026-03'] }));
      const add = await p.cli(['generate', '--name', 'march']);
      expect(add.code, add.stdout + add.stderr).toBe(0);
      await migrate(p, url);
      expect(await rows(sql, 'events')).toEqual([
        { id: 1, part: 'events_p20260101' },
        { id: 2, part: 'events_p20260301' },
      ]);
      await expectSettled(p);
    });

    it('a partition declared over rows already in the default partition takes them, in the migration, on both migrators', async () => {
      const p = await project(line, `default-rows-${line}`);
      const kitDb = await freshDb();
      const ormDb = await freshDb();
      for (const d of [kitDb, ormDb]) {
        if (d === kitDb) await migrate(p, d.url);
        else await p.migrateWithOrm(d.url);
        await d.sql`INSERT INTO events (id, at) VALUES (1, '2026-01-05'), (2, '2026-02-01'), (3, '2026-02-28'), (4, '2026-03-01'), (5, '2027-02-10')`;
      }
      await p.write('src/schema.ts', schemaFile({ months: ['2026-01', '2026-02'] }));
      const r = await p.cli(['generate', '--name', 'february']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toContain('moving its rows out of default partition events_default');
      const text = await allSql(p);
      expect(text).toContain('LOCK TABLE ONLY "events" IN ACCESS EXCLUSIVE MODE;');
      expect(text).toContain('CREATE TABLE "events_p20260201" PARTITION OF "events" FOR VALUES FROM');

      const kitRun = await p.migrateWithDrizzleKit(kitDb.url);
      expect(kitRun.code, kitRun.stdout + kitRun.stderr).toBe(0);
      await p.migrateWithOrm(ormDb.url);
      for (const d of [kitDb, ormDb]) {
        expect(await rows(d.sql, 'events')).toEqual([
          { id: 1, part: 'events_p20260101' },
          { id: 2, part: 'events_p20260201' },
          { id: 3, part: 'events_p20260201' },
          { id: 4, part: 'events_default' },
          { id: 5, part: 'events_default' },
        ]);
        const [temp] = await d.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'drizzle_partitions_moving'`;
        expect(temp!.n).toBe(0);
      }
      await expectSettled(p);
    });

    it('moving the partitioned table to another schema takes its partitions along', async () => {
      const p = await project(line, `set-schema-${line}`);
      const { url, sql } = await freshDb();
      await migrate(p, url);
      await sql`INSERT INTO events (id, at) VALUES (1, '2026-01-05'), (2, '2026-03-05')`;

      await p.write('src/schema.ts', schemaFile({ schema: 'app' }));
      const kit =
        line === '0.31'
          ? await p.drizzleKit(['generate', '--name', 'move'], { answers: [renameAnswer('app.events')] })
          : await p.drizzleKit(['generate', '--name', 'move', ...hintsArgs([renameHint(['public', 'events'], ['app', 'events'])])]);
      expect(kit.code, kit.stdout + kit.stderr).toBe(0);
      const pp = await p.cli(['postprocess']);
      expect(pp.code, pp.stdout + pp.stderr).toBe(0);
      expect(await allSql(p)).toMatch(/SET SCHEMA "app"/);
      await migrate(p, url);
      const placed = await sql<{ relname: string; nspname: string }[]>`
        SELECT c.relname, n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname LIKE 'events%' AND c.relkind IN ('r', 'p') ORDER BY 1`;
      expect(placed).toEqual([
        { relname: 'events', nspname: 'app' },
        { relname: 'events_default', nspname: 'app' },
        { relname: 'events_p20260101', nspname: 'app' },
      ]);
      expect(await rows(sql, 'app.events')).toEqual([
        { id: 1, part: 'app.events_p20260101' },
        { id: 2, part: 'app.events_default' },
      ]);
      await expectSettled(p);
    });
  });
}
