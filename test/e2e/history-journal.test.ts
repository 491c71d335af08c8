/**
 * A multi-step project history through the real tools, drizzle-kit 0.31's journal
 * layout: drizzle-partitions generate (drizzle-kit generate + post-processor), then
 * apply with drizzle-kit migrate AND with drizzle-orm's migrate(), then check the
 * catalog. The rewritten SQL is compared with golden files (UPDATE_GOLDEN=1 rewrites them).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';
import { applyBoth, fingerprint, generateOk, golden, leaves } from './history-kit.js';
import { createProject, pgConfig, renameAnswer, type Project } from './project.js';

const kitDb = useTestDatabase({ prefix: 'dp_e2e_hist_kit' });
const ormDb = useTestDatabase({ prefix: 'dp_e2e_hist_orm' });
const GOLDEN = join(import.meta.dirname, 'golden', 'journal');

/** The schema at each step; `parts` are the events partitions declared. */
function schema(o: { eventsName?: string; eventsParts?: string; withLevel?: boolean; withSessions?: boolean; key?: string } = {}): string {
  const events = o.eventsName ?? 'events';
  return `import { bigint, date, index, integer, pgSchema, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
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

export const app = pgSchema('app');
export const tenants = partitioned(
  app.table('tenants', { id: integer().notNull(), region: text().notNull(), name: text() }, (t) => [primaryKey({ columns: [t.id, t.region] })]),
  (t) => list(t.region, { partitions: [{ values: ['eu', 'uk'], name: 'tenants_europe' }, { values: ['us'] }] }),
);

export const metrics = pgPartitionedTable(
  'metrics',
  { tenantId: integer().notNull(), day: date().notNull(), value: integer() },
  (t) => [primaryKey({ columns: [t.tenantId, t.day] })],
  (t) => range(t.day, { partitions: [{ from: '2026-01-01', to: '2026-04-01', name: 'metrics_q1', partitionBy: hash(t.tenantId, { partitions: 2 }) }] }),
);
${o.withSessions === false ? '' : `
export const sessions = pgPartitionedTable('sessions', { userId: integer().notNull(), token: text().notNull() }, (t) => hash(t.userId, { partitions: 4 }));
`}`;
}

let project: Project;



async function journalTags(): Promise<string[]> {
  return (await project.readJson<{ entries: { tag: string }[] }>('drizzle/meta/_journal.json')).entries.map((e) => e.tag);
}





beforeAll(async () => {
  project = await createProject({ name: 'history', files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts', casing: 'snake_case' }), 'src/schema.ts': schema() } });
});
afterAll(async () => {
  await project?.remove();
});

describe('journal layout history', () => {
  it('1. creates range, list (in a pgSchema), hash and sub-partitioned tables', async () => {
    const r = await generateOk(project, 'init');
    expect(r.stdout).toContain('0000_init: rewritten');
    const sql = await project.read('drizzle/0000_init.sql');
    golden(GOLDEN, 'init', sql);
    expect(sql).toContain(') PARTITION BY RANGE ("created_at");');
    expect(await project.exists('drizzle/meta/_partitions/0000_init.json')).toBe(true);
    await applyBoth(project, kitDb.url, ormDb.url);
    for (const db of [kitDb, ormDb]) {
      expect(await leaves(db.sql, 'public', 'events')).toEqual(['events_default', 'events_old', 'events_p20260101', 'events_p20260201']);
      expect(await leaves(db.sql, 'app', 'tenants')).toEqual(['tenants_default', 'tenants_europe', 'tenants_us']);
      expect(await leaves(db.sql, 'public', 'metrics')).toEqual(['metrics_default', 'metrics_q1_h2_0', 'metrics_q1_h2_1']);
      expect(await leaves(db.sql, 'public', 'sessions')).toEqual([0, 1, 2, 3].map((r) => `sessions_h4_${r}`));
      // the foreign key and index drizzle-kit wrote reach the partitions
      await db.sql`insert into users values (1, 'a')`;
      await db.sql`insert into events (id, created_at, user_id, kind) values (1, '2026-01-10Z', 1, 'x'), (2, '2027-01-01Z', 1, 'y')`;
      await expect(db.sql`insert into events (id, created_at, user_id, kind) values (3, '2026-01-10Z', 99, 'x')`).rejects.toThrow(/foreign key/);
    }
  });

  it('2. a second run changes no byte, and drizzle-kit sees no change', async () => {
    const before = await fingerprint(project);
    const again = await project.cli(['postprocess']);
    expect(again.code).toBe(0);
    expect(await fingerprint(project)).toEqual(before);
    const kit = await project.drizzleKit(['generate']);
    expect(kit.stdout).toMatch(/No schema changes/);
    const check = await project.drizzleKit(['check']);
    expect(check.code).toBe(0);
  });

  it('3. a column and an index on the parent reach every partition', async () => {
    await project.write('src/schema.ts', schema({ withLevel: true }));
    await generateOk(project, 'level');
    const sql = await project.read('drizzle/0001_level.sql');
    golden(GOLDEN, 'level', sql);
    expect(sql).not.toContain('PARTITION');
    await applyBoth(project, kitDb.url, ormDb.url);
    for (const db of [kitDb, ormDb]) {
      const [cols] = await db.sql<{ n: number }[]>`select count(*)::int as n from information_schema.columns where column_name = 'level' and table_name like 'events%'`;
      expect(cols!.n).toBe(5); // parent + 4 partitions
      const [idx] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_indexes where indexdef like '%(level)%'`;
      expect(idx!.n).toBe(5);
    }
  });

  it('4. a partition-only change gets a migration of its own (drizzle-kit says "No schema changes")', async () => {
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
    expect(r.stdout).toMatch(/0002_partitions: created/);
    expect(await journalTags()).toEqual(['0000_init', '0001_level', '0002_partitions']);
    const sql = await project.read('drizzle/0002_partitions.sql');
    golden(GOLDEN, 'partitions', sql);
    expect(sql).toContain('ALTER TABLE "events" DETACH PARTITION "events_p20260201";');
    expect(sql).toContain(`CREATE TABLE "events_p20260301" PARTITION OF "events" FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-04-01 00:00:00+00');`);
    const check = await project.drizzleKit(['check']);
    expect(check.code).toBe(0);
    expect((await project.drizzleKit(['generate'])).stdout).toMatch(/No schema changes/);
    await applyBoth(project, kitDb.url, ormDb.url);
    for (const db of [kitDb, ormDb]) {
      expect(await leaves(db.sql, 'public', 'events')).toEqual(['events_default', 'events_old', 'events_p20260101', 'events_p20260301']);
      // the detached partition is kept as a plain table
      const [kept] = await db.sql<{ k: string }[]>`select relkind::text as k from pg_class where relname = 'events_p20260201'`;
      expect(kept!.k).toBe('r');
    }
  });

  it('5. a custom migration in between keeps the state going', async () => {
    const custom = await project.drizzleKit(['generate', '--custom', '--name', 'seed']);
    expect(custom.code).toBe(0);
    await project.write('drizzle/0003_seed.sql', `INSERT INTO "users" VALUES (2, 'b');`);
    await project.write(
      'src/schema.ts',
      schema({
        withLevel: true,
        eventsParts: `
      { from: MINVALUE, to: '2026-01-01', name: 'events_old' },
      { from: '2026-01-01', to: '2026-02-01' },
      { from: '2026-03-01', to: '2026-04-01' },
      { from: '2026-04-01', to: '2026-05-01' },`,
      }),
    );
    await generateOk(project, 'april');
    expect(await journalTags()).toEqual(['0000_init', '0001_level', '0002_partitions', '0003_seed', '0004_april']);
    expect(await project.read('drizzle/0003_seed.sql')).toBe(`INSERT INTO "users" VALUES (2, 'b');`);
    expect(await project.exists('drizzle/meta/_partitions/0003_seed.json')).toBe(true);
    const sql = await project.read('drizzle/0004_april.sql');
    expect(sql).toContain('CREATE TABLE "events_p20260401" PARTITION OF "events"');
    expect(sql).not.toContain('events_p20260301');
    await applyBoth(project, kitDb.url, ormDb.url);
    expect(await leaves(kitDb.sql, 'public', 'events')).toContain('events_p20260401');
  });

  it('6. renaming the table carries its state over and renames derived partition names', async () => {
    await project.write(
      'src/schema.ts',
      schema({
        eventsName: 'app_events',
        withLevel: true,
        eventsParts: `
      { from: MINVALUE, to: '2026-01-01', name: 'events_old' },
      { from: '2026-01-01', to: '2026-02-01' },
      { from: '2026-03-01', to: '2026-04-01' },
      { from: '2026-04-01', to: '2026-05-01' },`,
      }),
    );
    const kit = await project.drizzleKit(['generate', '--name', 'rename'], { answers: [renameAnswer('app_events')] });
    expect(kit.code).toBe(0);
    const pp = await project.cli(['postprocess']);
    expect(pp.code, pp.stderr).toBe(0);
    const sql = await project.read('drizzle/0005_rename.sql');
    golden(GOLDEN, 'rename', sql);
    expect(sql).toContain('ALTER TABLE "events" RENAME TO "app_events";');
    expect(sql).toContain('ALTER TABLE "events_p20260101" RENAME TO "app_events_p20260101";');
    expect(sql).toContain('ALTER TABLE "events_default" RENAME TO "app_events_default";');
    expect(sql).not.toContain('events_old" RENAME');
    await applyBoth(project, kitDb.url, ormDb.url);
    for (const db of [kitDb, ormDb]) {
      expect(await leaves(db.sql, 'public', 'app_events')).toEqual(['app_events_default', 'app_events_p20260101', 'app_events_p20260301', 'app_events_p20260401', 'events_old']);
    }
  });

  it('7. dropping a partitioned table drops it and forgets its state', async () => {
    await project.write(
      'src/schema.ts',
      schema({
        eventsName: 'app_events',
        withLevel: true,
        withSessions: false,
        eventsParts: `
      { from: MINVALUE, to: '2026-01-01', name: 'events_old' },
      { from: '2026-01-01', to: '2026-02-01' },
      { from: '2026-03-01', to: '2026-04-01' },
      { from: '2026-04-01', to: '2026-05-01' },`,
      }),
    );
    await generateOk(project, 'drop_sessions');
    const state = await project.readJson<{ tables: { name: string }[] }>('drizzle/meta/_partitions/0006_drop_sessions.json');
    expect(state.tables.map((t) => t.name).sort()).toEqual(['app_events', 'metrics', 'tenants']);
    await applyBoth(project, kitDb.url, ormDb.url);
    const [gone] = await kitDb.sql<{ n: number }[]>`select count(*)::int as n from pg_class where relname like 'sessions%'`;
    expect(gone!.n).toBe(0);
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
