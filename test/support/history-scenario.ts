/**
 * The project history both e2e history tests run: drizzle-partitions generate (drizzle-kit
 * generate + post-processor), then apply with drizzle-kit migrate AND with drizzle-orm's
 * migrate(), then check the catalog, step by step: create range, list (in a pgSchema),
 * hash and sub-partitioned tables; a second run changes nothing; a column and an index
 * reach every partition; a partition-only change gets a migration of its own; a custom
 * migration in between; a rename; a drop; a key change refused. The rewritten SQL is
 * compared with golden files (UPDATE_GOLDEN=1 rewrites them).
 *
 * What differs between drizzle-kit 0.31's journal layout (history-journal.test.ts) and
 * drizzle-kit 1.0's folder-per-migration layout (history-folders.test.ts) is a
 * {@link HistoryLayout}: where migrations, snapshots and state files live, how a rename
 * is answered, how each drizzle spells the schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase, type Sql, type TestDatabase } from '../harness/db.js';
import { catalogTree } from './catalog.js';
import { applyBoth, fingerprint, generateOk, golden, leaves } from './history-kit.js';
import { createProject, pgConfig, type DrizzleLine, type Project, type RunResult } from './project.js';

/** How the layout's drizzle spells the parts of the schema that differ between the two. */
export interface SchemaDialect {
  /** drizzle-orm/pg-core names imported besides those both use. */
  imports: string[];
  /** The expression declaring the `app` schema. */
  app: string;
  /** The property of app.tenants's list key. */
  regionKey: string;
  /** The declaration of `metrics` (range, each partition sub-partitioned by hash) from its columns, extra config and partitioning. */
  metrics(columns: string, extras: string, partitioning: string): string;
}

/** The layout-specific parts of the history. */
export interface HistoryLayout {
  /** The describe() title. */
  title: string;
  /** Part of the project directory's name. */
  name: string;
  drizzle: DrizzleLine;
  /** Prefix of the two databases' names (`<prefix>_kit`, `<prefix>_orm`). */
  dbPrefix: string;
  /** The golden files' folder. */
  golden: string;
  dialect: SchemaDialect;
  /** Column names in the database. */
  columns: { createdAt: string; userId: string; region: string };
  /** What a partition-only change gets of its own: 'a migration', 'a migration folder'. */
  migrationNoun: string;
  /** Migration ids (`<prefix>_<name>`) in drizzle-kit's order. */
  ids(project: Project): Promise<string[]>;
  /** What ids() holds once migrations `names` were generated, in this order. */
  expectedIds(names: string[]): unknown[];
  /** Project-relative path of the SQL of migration `id`. */
  sqlPath(id: string): string;
  /** Project-relative path of the partitioning state recorded after migration `id`. */
  statePath(id: string): string;
  /**
   * drizzle-kit's snapshot of migration `id` follows the one of `prev` (undefined: it is
   * the first); `unchanged`: the migration changes nothing in drizzle's schema.
   */
  expectSnapshot(project: Project, id: string, prev: string | undefined, unchanged?: boolean): Promise<void>;
  /** Both databases have applied every migration, by drizzle's own bookkeeping. */
  expectAllApplied(project: Project, dbs: readonly TestDatabase[]): Promise<void>;
  /** Our reading of the migrations folder agrees with drizzle-kit's own replay of it (where drizzle-kit has one). */
  expectReplayAgrees?(project: Project): Promise<void>;
  rename: {
    /** How drizzle-kit is told that events became app_events, for the title: ' (answered ...)'. */
    how: string;
    /** Generates migration `rename` for the schema with events renamed to app_events; returns drizzle-partitions's run. */
    generate(project: Project): Promise<RunResult>;
    /** Statements of that migration about the renamed table's indexes. */
    indexSql: string[];
  };
  /** Tests of the layout's own, registered before the history's. */
  preamble?(project: () => Project): void;
}

/** The events partitions of steps 4 (March replaces February) and 5 on (April added). */
const EVENTS_MARCH = `
      { from: MINVALUE, to: '2026-01-01', name: 'events_old' },
      { from: '2026-01-01', to: '2026-02-01' },
      { from: '2026-03-01', to: '2026-04-01' },`;
const EVENTS_UNTIL_APRIL = `${EVENTS_MARCH}
      { from: '2026-04-01', to: '2026-05-01' },`;

/** The migrations of steps 1 to 5. */
const BEFORE_RENAME = ['init', 'level', 'partitions', 'seed', 'april'];

const SEED = `INSERT INTO "users" VALUES (2, 'b');`;

interface SchemaOptions {
  eventsName?: string;
  /** The events partitions declared. */
  eventsParts?: string;
  withLevel?: boolean;
  withSessions?: boolean;
  key?: string;
}

/** The schema at each step. */
function schema(d: SchemaDialect, o: SchemaOptions = {}): string {
  const events = o.eventsName ?? 'events';
  const core = ['bigint', 'date', 'index', 'integer', 'pgTable', 'primaryKey', 'text', 'timestamp', ...d.imports].sort();
  const region = d.regionKey;
  return `import { ${core.join(', ')} } from 'drizzle-orm/pg-core';
import { hash, list, MINVALUE, partitioned, pgPartitionedTable, range } from 'drizzle-partitions';

export const users = pgTable('users', { id: integer().primaryKey(), name: text().notNull() });

export const events = pgPartitionedTable(
  '${events}',
  {
    id: bigint({ mode: 'number' }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull(),
    userId: integer().references(() => users.id),
    kind: text().notNull(),${o.withLevel ? '\n    level: integer().default(0).notNull(),' : ''}
  },
  (t) => [primaryKey({ columns: [t.id, t.createdAt] }), index('${events}_kind_idx').on(t.kind)${o.withLevel ? `, index('${events}_level_idx').on(t.level)` : ''}],
  (t) => range(t.${o.key ?? 'createdAt'}, {
    partitions: [${o.eventsParts ?? `
      { from: MINVALUE, to: '2026-01-01', name: '${events}_old' },
      { from: '2026-01-01', to: '2026-02-01' },
      { from: '2026-02-01', to: '2026-03-01' },`}
    ],
  }),
);

export const app = ${d.app};
export const tenants = partitioned(
  app.table('tenants', { id: integer().notNull(), ${region}: text().notNull(), name: text() }, (t) => [primaryKey({ columns: [t.id, t.${region}] })]),
  (t) => list(t.${region}, { partitions: [{ values: ['eu', 'uk'], name: 'tenants_europe' }, { values: ['us'] }] }),
);

export const metrics = ${d.metrics(
    '{ tenantId: integer().notNull(), day: date().notNull(), value: integer() }',
    '(t) => [primaryKey({ columns: [t.tenantId, t.day] })]',
    `(t) => range(t.day, { partitions: [{ from: '2026-01-01', to: '2026-04-01', name: 'metrics_q1', partitionBy: hash(t.tenantId, { partitions: 2 }) }] })`,
  )};
${o.withSessions === false ? '' : `
export const sessions = pgPartitionedTable('sessions', { userId: integer().notNull(), token: text().notNull() }, (t) => hash(t.userId, { partitions: 4 }));
`}`;
}

/** A column name as PostgreSQL prints it in a partition key (quoted only when it must be). */
const ident = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name}"`);

async function partitionKey(sql: Sql, schemaName: string, table: string): Promise<string | undefined> {
  return (await catalogTree(sql, schemaName, table)).key;
}

/** Registers the history (beforeAll, afterAll, one describe with a test per step) for `layout`. */
export function describeHistory(layout: HistoryLayout): void {
  const kitDb = useTestDatabase({ prefix: `${layout.dbPrefix}_kit` });
  const ormDb = useTestDatabase({ prefix: `${layout.dbPrefix}_orm` });
  const dbs = [kitDb, ormDb];
  const c = layout.columns;
  let project: Project;
  const schemaAt = (o: SchemaOptions = {}) => schema(layout.dialect, o);

  const ids = () => layout.ids(project);
  /** The id of migration `name`. */
  const idOf = async (name: string): Promise<string> => {
    const all = await ids();
    const found = all.filter((id) => id.replace(/^\d+_/, '') === name);
    if (found.length !== 1) throw new Error(`expected one migration named *_${name}, found ${JSON.stringify(all)}`);
    return found[0]!;
  };
  const applyAll = async () => {
    await applyBoth(project, kitDb.url, ormDb.url);
    await layout.expectAllApplied(project, dbs);
  };

  beforeAll(async () => {
    project = await createProject({
      name: layout.name,
      drizzle: layout.drizzle,
      files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts', casing: 'snake_case' }), 'src/schema.ts': schemaAt() },
    });
  }, 60_000);
  afterAll(async () => {
    await project?.remove();
  });

  describe(layout.title, () => {
    layout.preamble?.(() => project);

    it('1. creates range, list (in a pgSchema), hash and sub-partitioned tables', async () => {
      const r = await generateOk(project, 'init');
      expect(await ids()).toEqual(layout.expectedIds(['init']));
      const id = await idOf('init');
      expect(r.stdout).toContain(`${id}: rewritten`);
      const sql = await project.read(layout.sqlPath(id));
      golden(layout.golden, 'init', sql);
      expect(sql).toContain(`) PARTITION BY RANGE ("${c.createdAt}");`);
      expect(sql).toContain(`) PARTITION BY LIST ("${c.region}");`);
      expect(sql).toContain('PARTITION BY HASH ("tenant_id")');
      expect(project.exists(layout.statePath(id))).toBe(true);
      await layout.expectSnapshot(project, id, undefined);
      await applyAll();
      for (const db of dbs) {
        expect(await leaves(db.sql, 'public', 'events')).toEqual(['events_default', 'events_old', 'events_p20260101', 'events_p20260201']);
        expect(await partitionKey(db.sql, 'public', 'events')).toBe(`RANGE (${ident(c.createdAt)})`);
        expect(await leaves(db.sql, 'app', 'tenants')).toEqual(['tenants_default', 'tenants_europe', 'tenants_us']);
        expect(await partitionKey(db.sql, 'app', 'tenants')).toBe(`LIST (${ident(c.region)})`);
        expect(await leaves(db.sql, 'public', 'metrics')).toEqual(['metrics_default', 'metrics_q1_h2_0', 'metrics_q1_h2_1']);
        expect(await leaves(db.sql, 'public', 'sessions')).toEqual([0, 1, 2, 3].map((r) => `sessions_h4_${r}`));
        // the foreign key and index drizzle-kit wrote reach the partitions
        const insert = `insert into events (id, "${c.createdAt}", "${c.userId}", kind) values`;
        await db.sql`insert into users values (1, 'a')`;
        await db.sql.unsafe(`${insert} (1, '2026-01-10Z', 1, 'x'), (2, '2027-01-01Z', 1, 'y')`);
        await expect(db.sql.unsafe(`${insert} (3, '2026-01-10Z', 99, 'x')`)).rejects.toThrow(/foreign key/);
        const [idx] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_indexes where indexdef like '%(kind)%'`;
        expect(idx!.n).toBe(5); // parent + 4 partitions
      }
    });

    it('2. a second run changes no byte, and drizzle-kit sees no change', async () => {
      const before = await fingerprint(project);
      const again = await project.cli(['postprocess']);
      expect(again.code, again.stderr).toBe(0);
      expect(await fingerprint(project)).toEqual(before);
      const kit = await project.drizzleKit(['generate']);
      expect(kit.code, kit.stderr).toBe(0);
      expect(kit.stdout).toMatch(/No schema changes/);
      expect(await fingerprint(project)).toEqual(before);
      const check = await project.drizzleKit(['check']);
      expect(check.code, `${check.stdout}\n${check.stderr}`).toBe(0);
    });

    it('3. a column and an index on the parent reach every partition', async () => {
      await project.write('src/schema.ts', schemaAt({ withLevel: true }));
      await generateOk(project, 'level');
      expect(await ids()).toEqual(layout.expectedIds(['init', 'level']));
      const id = await idOf('level');
      const sql = await project.read(layout.sqlPath(id));
      golden(layout.golden, 'level', sql);
      expect(sql).not.toContain('PARTITION');
      await layout.expectSnapshot(project, id, await idOf('init'));
      await applyAll();
      for (const db of dbs) {
        const [cols] = await db.sql<{ n: number }[]>`select count(*)::int as n from information_schema.columns where column_name = 'level' and table_name like 'events%'`;
        expect(cols!.n).toBe(5); // parent + 4 partitions
        const [idx] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_indexes where indexdef like '%(level)%'`;
        expect(idx!.n).toBe(5);
      }
    });

    it(`4. a partition-only change gets ${layout.migrationNoun} of its own (drizzle-kit says "No schema changes")`, async () => {
      await project.write('src/schema.ts', schemaAt({ withLevel: true, eventsParts: EVENTS_MARCH }));
      const r = await generateOk(project, 'partitions');
      const names = ['init', 'level', 'partitions'];
      expect(await ids()).toEqual(layout.expectedIds(names));
      const id = await idOf('partitions');
      expect(r.stdout).toContain(`${id}: created`);
      const sql = await project.read(layout.sqlPath(id));
      golden(layout.golden, 'partitions', sql);
      expect(sql).toContain('ALTER TABLE "events" DETACH PARTITION "events_p20260201";');
      expect(sql).toContain(`CREATE TABLE "events_p20260301" PARTITION OF "events" FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-04-01 00:00:00+00');`);
      // ours: a snapshot that changes nothing in drizzle's schema, after the previous one
      await layout.expectSnapshot(project, id, await idOf('level'), true);
      expect(project.exists(layout.statePath(id))).toBe(true);
      const check = await project.drizzleKit(['check']);
      expect(check.code, `${check.stdout}\n${check.stderr}`).toBe(0);
      const kit = await project.drizzleKit(['generate']);
      expect(kit.code, kit.stderr).toBe(0);
      expect(kit.stdout).toMatch(/No schema changes/);
      expect(await ids()).toEqual(layout.expectedIds(names));
      await layout.expectReplayAgrees?.(project);
      await applyAll();
      for (const db of dbs) {
        expect(await leaves(db.sql, 'public', 'events')).toEqual(['events_default', 'events_old', 'events_p20260101', 'events_p20260301']);
        // the detached partition is kept as a plain table
        const [kept] = await db.sql<{ k: string }[]>`select relkind::text as k from pg_class where relname = 'events_p20260201'`;
        expect(kept!.k).toBe('r');
      }
    });

    it('5. a custom migration in between keeps the state going', async () => {
      const custom = await project.drizzleKit(['generate', '--custom', '--name', 'seed']);
      expect(custom.code, `${custom.stdout}\n${custom.stderr}`).toBe(0);
      expect(await ids()).toEqual(layout.expectedIds(['init', 'level', 'partitions', 'seed']));
      const seed = await idOf('seed');
      await layout.expectSnapshot(project, seed, await idOf('partitions'), true);
      await project.write(layout.sqlPath(seed), SEED);
      await project.write('src/schema.ts', schemaAt({ withLevel: true, eventsParts: EVENTS_UNTIL_APRIL }));
      const r = await generateOk(project, 'april');
      expect(r.stdout).toContain(`${seed}: recorded`);
      expect(await ids()).toEqual(layout.expectedIds(BEFORE_RENAME));
      expect(await project.read(layout.sqlPath(seed))).toBe(SEED);
      expect(project.exists(layout.statePath(seed))).toBe(true);
      const april = await idOf('april');
      const sql = await project.read(layout.sqlPath(april));
      expect(sql).toContain('CREATE TABLE "events_p20260401" PARTITION OF "events"');
      expect(sql).not.toContain('events_p20260301');
      await layout.expectSnapshot(project, april, seed);
      await layout.expectReplayAgrees?.(project);
      await applyAll();
      for (const db of dbs) {
        expect(await leaves(db.sql, 'public', 'events')).toContain('events_p20260401');
        const [seeded] = await db.sql<{ n: number }[]>`select count(*)::int as n from users where id = 2`;
        expect(seeded!.n).toBe(1);
      }
    });

    it(`6. renaming the table${layout.rename.how} carries its state over and renames derived partition names`, async () => {
      await project.write('src/schema.ts', schemaAt({ eventsName: 'app_events', withLevel: true, eventsParts: EVENTS_UNTIL_APRIL }));
      const r = await layout.rename.generate(project);
      expect(await ids()).toEqual(layout.expectedIds([...BEFORE_RENAME, 'rename']));
      const id = await idOf('rename');
      expect(r.stdout).toContain(`${id}: rewritten`);
      const sql = await project.read(layout.sqlPath(id));
      golden(layout.golden, 'rename', sql);
      expect(sql).toContain('ALTER TABLE "events" RENAME TO "app_events";');
      for (const statement of layout.rename.indexSql) expect(sql).toContain(statement);
      expect(sql).toContain('ALTER TABLE "events_p20260101" RENAME TO "app_events_p20260101";');
      expect(sql).toContain('ALTER TABLE "events_default" RENAME TO "app_events_default";');
      expect(sql).not.toContain('events_old" RENAME');
      await layout.expectSnapshot(project, id, await idOf('april'));
      await layout.expectReplayAgrees?.(project);
      await applyAll();
      for (const db of dbs) {
        expect(await leaves(db.sql, 'public', 'app_events')).toEqual(['app_events_default', 'app_events_p20260101', 'app_events_p20260301', 'app_events_p20260401', 'events_old']);
      }
    });

    it('7. dropping a partitioned table drops it and forgets its state', async () => {
      await project.write('src/schema.ts', schemaAt({ eventsName: 'app_events', withLevel: true, withSessions: false, eventsParts: EVENTS_UNTIL_APRIL }));
      await generateOk(project, 'drop_sessions');
      expect(await ids()).toEqual(layout.expectedIds([...BEFORE_RENAME, 'rename', 'drop_sessions']));
      const state = await project.readJson<{ tables: { name: string }[] }>(layout.statePath(await idOf('drop_sessions')));
      expect(state.tables.map((t) => t.name).sort()).toEqual(['app_events', 'metrics', 'tenants']);
      await layout.expectReplayAgrees?.(project);
      await applyAll();
      for (const db of dbs) {
        const [gone] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_class where relname like 'sessions%'`;
        expect(gone!.n).toBe(0);
      }
      const check = await project.drizzleKit(['check']);
      expect(check.code, `${check.stdout}\n${check.stderr}`).toBe(0);
    });

    it('8. changing the partition key is refused and nothing is written', async () => {
      await project.write('src/schema.ts', schemaAt({ eventsName: 'app_events', withLevel: true, withSessions: false, key: 'id', eventsParts: `{ from: 0, to: 100 },` }));
      const before = await fingerprint(project);
      const r = await project.cli(['postprocess']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('[KEY_CHANGED]');
      expect(r.stderr).toContain('public.app_events');
      expect(await fingerprint(project)).toEqual(before);
    });
  });
}
