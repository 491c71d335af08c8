/**
 * The history of history-journal.test.ts on drizzle-kit 1.0's folder-per-migration
 * layout: drizzle-kit 1.0.0-rc.5 + drizzle-orm 1.0.0-rc.5 (workspaces/drizzle-1), with
 * drizzle-partitions installed in the project as a copy of package.json + dist/, so our
 * code runs on drizzle-orm 1.0 as it would for a user. Each step runs drizzle-partitions
 * generate (drizzle-kit generate + post-processor), applies with drizzle-kit 1.0's migrate
 * AND drizzle-orm 1.0's migrate(), then checks the catalog. The rewritten SQL is compared
 * with golden files (UPDATE_GOLDEN=1 rewrites them).
 *
 * drizzle 1.0 differences that shape the schema and the assertions:
 * - the config's `casing` is ignored (it is still set here, to prove our tool ignores it
 *   too); casing belongs to the table: `snakeCase.table(...)`, `snakeCase.schema(...)`.
 *   So events/sessions (pgPartitionedTable = plain pgTable) keep their keys as column
 *   names ("createdAt"), metrics and app.tenants get snake_case ("tenant_id", "region_code").
 * - snapshots after the first are `type: "diff"` with `deltas`; renames are answered with
 *   `--hints` instead of a prompt; primary keys are named `<table>_pkey`.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayout } from '../../src/migrations/open-layout.js';
import { useTestDatabase, type Sql } from '../harness/db.js';
import { catalogTree } from '../ddl/catalog.js';
import { applyBoth, fingerprint, generateOk, golden, leaves } from './history-kit.js';
import { createProject, DRIZZLE_1_MODULES, hintsArgs, pgConfig, renameHint, type Project } from './project.js';

type Reconstruct = (files: Record<string, unknown>, id?: string) => Promise<{ ddl: { entityType: string; schema: string; name: string }[] }>;
/** drizzle-kit 1.0's own replay of a migrations folder (drizzle-kit/api-postgres). */
const { reconstruct } = createRequire(import.meta.url)(join(DRIZZLE_1_MODULES, 'drizzle-kit', 'api-postgres.js')) as { reconstruct: Reconstruct };

const kitDb = useTestDatabase({ prefix: 'dp_e2e_fold_kit' });
const ormDb = useTestDatabase({ prefix: 'dp_e2e_fold_orm' });
const GOLDEN = join(import.meta.dirname, 'golden', 'folders');

/** The schema at each step; `eventsParts` are the events partitions declared. */
function schema(o: { eventsName?: string; eventsParts?: string; withLevel?: boolean; withSessions?: boolean; key?: string } = {}): string {
  const events = o.eventsName ?? 'events';
  return `import { bigint, date, index, integer, pgTable, primaryKey, snakeCase, text, timestamp } from 'drizzle-orm/pg-core';
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

export const app = snakeCase.schema('app');
export const tenants = partitioned(
  app.table('tenants', { id: integer().notNull(), regionCode: text().notNull(), name: text() }, (t) => [primaryKey({ columns: [t.id, t.regionCode] })]),
  (t) => list(t.regionCode, { partitions: [{ values: ['eu', 'uk'], name: 'tenants_europe' }, { values: ['us'] }] }),
);

export const metrics = partitioned(
  snakeCase.table('metrics', { tenantId: integer().notNull(), day: date().notNull(), value: integer() }, (t) => [primaryKey({ columns: [t.tenantId, t.day] })]),
  (t) => range(t.day, { partitions: [{ from: '2026-01-01', to: '2026-04-01', name: 'metrics_q1', partitionBy: hash(t.tenantId, { partitions: 2 }) }] }),
);
${o.withSessions === false ? '' : `
export const sessions = pgPartitionedTable('sessions', { userId: integer().notNull(), token: text().notNull() }, (t) => hash(t.userId, { partitions: 4 }));
`}`;
}

const EVENTS_UNTIL_APRIL = `
      { from: MINVALUE, to: '2026-01-01', name: 'events_old' },
      { from: '2026-01-01', to: '2026-02-01' },
      { from: '2026-03-01', to: '2026-04-01' },
      { from: '2026-04-01', to: '2026-05-01' },`;

let project: Project;



/** Migration folders, in drizzle-kit's order (the migrator sorts them with localeCompare). */
async function folders(): Promise<string[]> {
  const names = (await project.list('drizzle')).filter((f) => project.exists(`drizzle/${f}/snapshot.json`));
  return names.sort((a, b) => a.localeCompare(b));
}

/** The folder of migration `name` (`<YYYYMMDDHHMMSS>_<name>`). */
async function folder(name: string): Promise<string> {
  const found = (await folders()).filter((f) => f.replace(/^\d{14}_/, '') === name);
  if (found.length !== 1) throw new Error(`expected one migration folder named *_${name}, found ${JSON.stringify(await folders())}`);
  return `drizzle/${found[0]}`;
}

/** Folder names without their timestamps. */
async function folderNames(): Promise<string[]> {
  return (await folders()).map((f) => f.replace(/^\d{14}_/, ''));
}

interface Snapshot {
  type: 'base' | 'diff';
  id: string;
  prevIds: string[];
  deltas?: unknown[];
  footprints?: unknown[];
}

async function snapshot(name: string): Promise<Snapshot> {
  return project.readJson<Snapshot>(`${await folder(name)}/snapshot.json`);
}



/** Both databases have applied every migration folder, by name (drizzle 1.0's bookkeeping). */
async function expectAllApplied(): Promise<void> {
  const expected = await folders();
  for (const db of [kitDb, ormDb]) {
    const rows = await db.sql<{ name: string }[]>`select name from drizzle.__drizzle_migrations order by id`;
    expect(rows.map((r) => r.name)).toEqual(expected);
  }
}

/**
 * Our reading of the folder (src/migrations/layout-folders.ts: base ddl + deltas) agrees
 * with drizzle-kit 1.0's reconstruct on the tables drizzle-kit knew before each
 * migration, and now.
 */
async function expectLayoutAgreesWithDrizzleKit(): Promise<void> {
  const layout = openLayout(project.path('drizzle'), { prefix: 'index', breakpoints: true });
  const files: Record<string, Snapshot> = {};
  for (const m of layout.migrations) files[m.id] = await project.readJson<Snapshot>(`drizzle/${m.id}/snapshot.json`);
  const kitTables = async (id?: string) =>
    (await reconstruct(files, id)).ddl
      .filter((e) => e.entityType === 'tables')
      .map((e) => `${e.schema}.${e.name}`)
      .sort();
  for (const [i, m] of layout.migrations.entries()) {
    const parent = files[m.id]!.prevIds[0]!;
    const expected = /^0{8}-/.test(parent) ? [] : await kitTables(parent);
    expect([...layout.tablesBefore(i)!].sort(), `tables before ${m.id}`).toEqual(expected);
  }
  expect([...layout.tablesBefore(layout.migrations.length)!].sort(), 'tables now').toEqual(await kitTables());
}



async function partitionKey(sql: Sql, schemaName: string, table: string): Promise<string | undefined> {
  return (await catalogTree(sql, schemaName, table)).key;
}

beforeAll(async () => {
  project = await createProject({
    name: 'history-folders',
    drizzle: '1',
    files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts', casing: 'snake_case' }), 'src/schema.ts': schema() },
  });
}, 60_000);
afterAll(async () => {
  await project?.remove();
});

describe('folder layout history (drizzle-kit 1.0)', () => {
  it('0. the project runs drizzle 1.0, and drizzle-partitions is a copy that resolves drizzle-orm 1.0', async () => {
    const kit = await project.drizzleKit(['--version']);
    expect(kit.stdout).toContain('1.0.0-rc.5');
    // what drizzle-orm our package's own require() finds (1.0's exports map has no ./package.json)
    const r = await project.node([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       import { readFileSync, realpathSync } from 'node:fs';
       import { dirname, join } from 'node:path';
       const req = createRequire(realpathSync('node_modules/drizzle-partitions/dist/cjs/index.js'));
       const orm = JSON.parse(readFileSync(join(dirname(req.resolve('drizzle-orm')), 'package.json'), 'utf8')).version;
       console.log(JSON.stringify({ orm, pkg: realpathSync('node_modules/drizzle-partitions') }));`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as { orm: string; pkg: string };
    expect(seen.orm).toBe('1.0.0-rc.5');
    expect(seen.pkg).toBe(project.path('node_modules/drizzle-partitions'));
  });

  it('1. creates range, list (in a pgSchema), hash and sub-partitioned tables', async () => {
    const r = await generateOk(project, 'init');
    expect(await folderNames()).toEqual(['init']);
    const dir = await folder('init');
    expect(r.stdout).toContain(`${dir.slice('drizzle/'.length)}: rewritten`);
    const sql = await project.read(`${dir}/migration.sql`);
    golden(GOLDEN, 'init', sql);
    // drizzle-kit 1.0 ignores the config's casing: pgTable columns keep their keys
    expect(sql).toContain(') PARTITION BY RANGE ("createdAt");');
    expect(sql).toContain(') PARTITION BY LIST ("region_code");');
    expect(sql).toContain('PARTITION BY HASH ("tenant_id")');
    expect(project.exists(`${dir}/_partitions.json`)).toBe(true);
    expect((await snapshot('init')).type).toBe('base');
    await applyBoth(project, kitDb.url, ormDb.url);
    await expectAllApplied();
    for (const db of [kitDb, ormDb]) {
      expect(await leaves(db.sql, 'public', 'events')).toEqual(['events_default', 'events_old', 'events_p20260101', 'events_p20260201']);
      expect(await partitionKey(db.sql, 'public', 'events')).toBe('RANGE ("createdAt")');
      expect(await leaves(db.sql, 'app', 'tenants')).toEqual(['tenants_default', 'tenants_europe', 'tenants_us']);
      expect(await partitionKey(db.sql, 'app', 'tenants')).toBe('LIST (region_code)');
      expect(await leaves(db.sql, 'public', 'metrics')).toEqual(['metrics_default', 'metrics_q1_h2_0', 'metrics_q1_h2_1']);
      expect(await leaves(db.sql, 'public', 'sessions')).toEqual([0, 1, 2, 3].map((r) => `sessions_h4_${r}`));
      // the foreign key and index drizzle-kit wrote reach the partitions
      await db.sql`insert into users values (1, 'a')`;
      await db.sql`insert into events (id, "createdAt", "userId", kind) values (1, '2026-01-10Z', 1, 'x'), (2, '2027-01-01Z', 1, 'y')`;
      await expect(db.sql`insert into events (id, "createdAt", "userId", kind) values (3, '2026-01-10Z', 99, 'x')`).rejects.toThrow(/foreign key/);
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
    await project.write('src/schema.ts', schema({ withLevel: true }));
    await generateOk(project, 'level');
    expect(await folderNames()).toEqual(['init', 'level']);
    const sql = await project.read(`${await folder('level')}/migration.sql`);
    golden(GOLDEN, 'level', sql);
    expect(sql).not.toContain('PARTITION');
    expect((await snapshot('level')).type).toBe('diff');
    await applyBoth(project, kitDb.url, ormDb.url);
    await expectAllApplied();
    for (const db of [kitDb, ormDb]) {
      const [cols] = await db.sql<{ n: number }[]>`select count(*)::int as n from information_schema.columns where column_name = 'level' and table_name like 'events%'`;
      expect(cols!.n).toBe(5); // parent + 4 partitions
      const [idx] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_indexes where indexdef like '%(level)%'`;
      expect(idx!.n).toBe(5);
    }
  });

  it('4. a partition-only change gets a migration folder of its own (drizzle-kit says "No schema changes")', async () => {
    await project.write(
      'src/schema.ts',
      schema({
        withLevel: true,
        eventsParts: `
      { from: MINVALUE, to: '2026-01-01', name: 'events_old' },
      { from: '2026-01-01', to: '2026-02-01' },
      { from: '2026-03-01', to: '2026-04-01' },`,
      }),
    );
    const r = await generateOk(project, 'partitions');
    expect(r.stdout).toMatch(/\d{14}_partitions: created/);
    expect(await folderNames()).toEqual(['init', 'level', 'partitions']);
    const dir = await folder('partitions');
    const sql = await project.read(`${dir}/migration.sql`);
    golden(GOLDEN, 'partitions', sql);
    expect(sql).toContain('ALTER TABLE "events" DETACH PARTITION "events_p20260201";');
    expect(sql).toContain(`CREATE TABLE "events_p20260301" PARTITION OF "events" FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-04-01 00:00:00+00');`);
    // our folder: a diff snapshot that changes nothing in drizzle's schema, on the previous leaf
    const ours = await snapshot('partitions');
    const level = await snapshot('level');
    expect(ours).toMatchObject({ type: 'diff', version: expect.any(String), dialect: 'postgres', prevIds: [level.id], footprints: [], deltas: [] });
    expect(project.exists(`${dir}/_partitions.json`)).toBe(true);
    const check = await project.drizzleKit(['check']);
    expect(check.code, `${check.stdout}\n${check.stderr}`).toBe(0);
    const kit = await project.drizzleKit(['generate']);
    expect(kit.code, kit.stderr).toBe(0);
    expect(kit.stdout).toMatch(/No schema changes/);
    expect(await folderNames()).toEqual(['init', 'level', 'partitions']);
    await expectLayoutAgreesWithDrizzleKit();
    await applyBoth(project, kitDb.url, ormDb.url);
    await expectAllApplied();
    for (const db of [kitDb, ormDb]) {
      expect(await leaves(db.sql, 'public', 'events')).toEqual(['events_default', 'events_old', 'events_p20260101', 'events_p20260301']);
      // the detached partition is kept as a plain table
      const [kept] = await db.sql<{ k: string }[]>`select relkind::text as k from pg_class where relname = 'events_p20260201'`;
      expect(kept!.k).toBe('r');
    }
  });

  it('5. a custom migration in between keeps the state going', async () => {
    const custom = await project.drizzleKit(['generate', '--custom', '--name', 'seed']);
    expect(custom.code, `${custom.stdout}\n${custom.stderr}`).toBe(0);
    expect(await folderNames()).toEqual(['init', 'level', 'partitions', 'seed']);
    const seedDir = await folder('seed');
    expect(await snapshot('seed')).toMatchObject({ type: 'diff', prevIds: [(await snapshot('partitions')).id], deltas: [] });
    await project.write(`${seedDir}/migration.sql`, `INSERT INTO "users" VALUES (2, 'b');`);
    await project.write('src/schema.ts', schema({ withLevel: true, eventsParts: EVENTS_UNTIL_APRIL }));
    const r = await generateOk(project, 'april');
    expect(r.stdout).toMatch(/_seed: recorded/);
    expect(await folderNames()).toEqual(['init', 'level', 'partitions', 'seed', 'april']);
    expect(await project.read(`${seedDir}/migration.sql`)).toBe(`INSERT INTO "users" VALUES (2, 'b');`);
    expect(project.exists(`${seedDir}/_partitions.json`)).toBe(true);
    const sql = await project.read(`${await folder('april')}/migration.sql`);
    expect(sql).toContain('CREATE TABLE "events_p20260401" PARTITION OF "events"');
    expect(sql).not.toContain('events_p20260301');
    expect((await snapshot('april')).prevIds).toEqual([(await snapshot('seed')).id]);
    await expectLayoutAgreesWithDrizzleKit();
    await applyBoth(project, kitDb.url, ormDb.url);
    await expectAllApplied();
    for (const db of [kitDb, ormDb]) {
      expect(await leaves(db.sql, 'public', 'events')).toContain('events_p20260401');
      const [seeded] = await db.sql<{ n: number }[]>`select count(*)::int as n from users where id = 2`;
      expect(seeded!.n).toBe(1);
    }
  });

  it('6. renaming the table (answered with --hints) carries its state over and renames derived partition names', async () => {
    await project.write('src/schema.ts', schema({ eventsName: 'app_events', withLevel: true, eventsParts: EVENTS_UNTIL_APRIL }));
    const before = await fingerprint(project);
    // without a terminal, drizzle-kit 1.0 exits 2 and writes nothing until every question
    // has a hint: the renamed indexes too (0.31 silently dropped and re-created them)
    const partial = await project.drizzleKit(['generate', '--name', 'rename'], { hints: [renameHint('events', 'app_events')] });
    expect(partial.code).toBe(2);
    expect(partial.stdout).toContain('"kind": "index"');
    expect(await fingerprint(project)).toEqual(before);
    const unanswered = await project.cli(['generate', '--name', 'rename']);
    expect(unanswered.code).toBe(1);
    expect(unanswered.stderr).toContain('[DRIZZLE_KIT_FAILED]');
    expect(await fingerprint(project)).toEqual(before);

    // drizzle-partitions generate passes --hints through to drizzle-kit
    const hints = [
      renameHint('events', 'app_events'),
      renameHint(['public', 'app_events', 'events_kind_idx'], ['public', 'app_events', 'app_events_kind_idx'], 'index'),
      renameHint(['public', 'app_events', 'events_level_idx'], ['public', 'app_events', 'app_events_level_idx'], 'index'),
    ];
    const r = await project.cli(['generate', '--name', 'rename', ...hintsArgs(hints)]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/_rename: rewritten/);
    const sql = await project.read(`${await folder('rename')}/migration.sql`);
    golden(GOLDEN, 'rename', sql);
    expect(sql).toContain('ALTER TABLE "events" RENAME TO "app_events";');
    expect(sql).toContain('ALTER INDEX "events_kind_idx" RENAME TO "app_events_kind_idx";');
    expect(sql).toContain('ALTER TABLE "events_p20260101" RENAME TO "app_events_p20260101";');
    expect(sql).toContain('ALTER TABLE "events_default" RENAME TO "app_events_default";');
    expect(sql).not.toContain('events_old" RENAME');
    await expectLayoutAgreesWithDrizzleKit();
    await applyBoth(project, kitDb.url, ormDb.url);
    await expectAllApplied();
    for (const db of [kitDb, ormDb]) {
      expect(await leaves(db.sql, 'public', 'app_events')).toEqual(['app_events_default', 'app_events_p20260101', 'app_events_p20260301', 'app_events_p20260401', 'events_old']);
    }
  });

  it('7. dropping a partitioned table drops it and forgets its state', async () => {
    await project.write('src/schema.ts', schema({ eventsName: 'app_events', withLevel: true, withSessions: false, eventsParts: EVENTS_UNTIL_APRIL }));
    await generateOk(project, 'drop_sessions');
    const state = await project.readJson<{ tables: { name: string }[] }>(`${await folder('drop_sessions')}/_partitions.json`);
    expect(state.tables.map((t) => t.name).sort()).toEqual(['app_events', 'metrics', 'tenants']);
    await expectLayoutAgreesWithDrizzleKit();
    await applyBoth(project, kitDb.url, ormDb.url);
    await expectAllApplied();
    for (const db of [kitDb, ormDb]) {
      const [gone] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_class where relname like 'sessions%'`;
      expect(gone!.n).toBe(0);
    }
    const check = await project.drizzleKit(['check']);
    expect(check.code, `${check.stdout}\n${check.stderr}`).toBe(0);
  });

  it('8. changing the partition key is refused and nothing is written', async () => {
    await project.write(
      'src/schema.ts',
      schema({ eventsName: 'app_events', withLevel: true, withSessions: false, key: 'id', eventsParts: `{ from: 0, to: 100 },` }),
    );
    const before = await fingerprint(project);
    const r = await project.cli(['postprocess']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[KEY_CHANGED]');
    expect(r.stderr).toContain('public.app_events');
    expect(await fingerprint(project)).toEqual(before);
  });
});
