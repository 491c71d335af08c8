/**
 * drizzle-kit `push`, `pull` and `check` on a project with partitioned tables, on the
 * real CLIs (drizzle-kit 0.31.11 and 1.0.0-rc.5) and a real PostgreSQL:
 *
 * - push/pull with `tablesFilter: partitionsTablesFilter([...])` leave every partition
 *   alone (1.0: "No changes detected"; 0.31: push still proposes to create the invisible
 *   parent again and stops on "already exists", but drops nothing), and pull writes no
 *   partition out as a table; without the filter, 1.0's push plans a DROP of every
 *   partition, 0.31's asks whether the parent was renamed from one of them, pull writes
 *   them out, and `drizzle-partitions generate` warns.
 * - 1.0 folders: the snapshot of a partition-only migration carries footprints, so
 *   `drizzle-kit check` reports two branches that change one table's partitions, and
 *   not a branch that changes another table's; the create/drop footprints of partitions
 *   are the ones drizzle-kit 1.0 writes for the same tables declared as plain tables.
 */
import { rename, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';
import { createProject, type DrizzleLine, type Project, type RunResult } from '../support/project.js';

const PARTITIONS = ['events_default', 'events_p20260101', 'events_p20260201', 'sessions_h2_0', 'sessions_h2_1'];

function schema(o: { eventsMonths?: string[]; metricsMonths?: string[]; plain?: string } = {}): string {
  const months = (list: string[]) => list.map((m) => `{ from: '${m}-01', to: '${nextMonth(m)}-01' }`).join(', ');
  return `import { bigint, date, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { hash, pgPartitionedTable, range } from 'drizzle-partitions';
export const users = pgTable('users', { id: integer().primaryKey(), name: text().notNull() });
const eventColumns = () => ({ id: bigint({ mode: 'number' }).notNull(), createdAt: timestamp({ withTimezone: true }).notNull(), kind: text().notNull() });
export const events = pgPartitionedTable('events', eventColumns(),
  (t) => [primaryKey({ columns: [t.id, t.createdAt] })],
  (t) => range(t.createdAt, { partitions: [${months(o.eventsMonths ?? ['2026-01', '2026-02'])}] }));
export const sessions = pgPartitionedTable('sessions', { userId: integer().notNull(), token: text().notNull() }, (t) => hash(t.userId, { partitions: 2 }));
export const metrics = pgPartitionedTable('metrics', { day: date().notNull(), value: integer() }, (t) => range(t.day, { partitions: [${months(o.metricsMonths ?? ['2026-01'])}] }));
${o.plain ? `export const plain = pgTable('${o.plain}', eventColumns(), (t) => [primaryKey({ columns: [t.id, t.createdAt] })]);\n` : ''}`;
}

function nextMonth(m: string): string {
  const [y, mo] = m.split('-').map(Number) as [number, number];
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
}

function config(o: { filter?: string; out?: string } = {}): string {
  return `import { defineConfig } from 'drizzle-kit';
import { partitionsTablesFilter } from 'drizzle-partitions';
void partitionsTablesFilter;
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: ${JSON.stringify(o.out ?? './drizzle')},
  dbCredentials: { url: process.env.DATABASE_URL! },${o.filter ? `\n  tablesFilter: ${o.filter},` : ''}
});
`;
}

const FILTER = `partitionsTablesFilter(['events', 'sessions', 'metrics'])`;
const output = (r: RunResult) => `${r.stdout}\n${r.stderr}`;

function ok(r: RunResult, what: string): RunResult {
  expect(r.code, `${what}:\n${output(r)}`).toBe(0);
  return r;
}

for (const line of ['0.31', '1'] as DrizzleLine[]) {
  describe(`push and pull on drizzle-kit ${line === '1' ? '1.0.0-rc.5' : '0.31'}`, () => {
    const db = useTestDatabase({ prefix: `dp_e2e_push${line === '1' ? '1' : '0'}` });
    let project: Project;
    const partitions = async () =>
      (await db.sql<{ name: string }[]>`select c.relname as name from pg_class c join pg_inherits i on i.inhrelid = c.oid where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by 1`).map((r) => r.name);
    const plainTables = async () =>
      (await db.sql<{ name: string }[]>`select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' and not relispartition order by 1`).map((r) => r.name);

    beforeAll(async () => {
      project = await createProject({
        name: `push-pull-${line}`,
        drizzle: line,
        databaseUrl: db.url,
        files: {
          'src/schema.ts': schema(),
          'drizzle.config.ts': config({ filter: FILTER }),
          'nofilter.config.ts': config(),
          'partial.config.ts': config({ filter: `['*', '!events_*']` }),
          'pull.config.ts': config({ filter: FILTER, out: './pulled' }),
          'pull-nofilter.config.ts': config({ out: './pulled-nofilter' }),
        },
      });
      const gen = ok(await project.cli(['generate', '--name', 'init']), 'generate');
      expect(gen.stderr).not.toContain('warning');
      ok(await project.migrateWithDrizzleKit(db.url), 'drizzle-kit migrate');
      await db.sql`insert into events (id, "createdAt", kind) values (1, '2026-01-15', 'a'), (2, '2026-05-01', 'b')`;
      await db.sql`insert into sessions ("userId", token) values (1, 't')`;
    }, 120_000);
    afterAll(async () => {
      await project?.remove();
    });

    it('the catalog holds the partitions the schema declares', async () => {
      expect(await partitions()).toEqual(['events_default', 'events_p20260101', 'events_p20260201', 'metrics_default', 'metrics_p20260101', 'sessions_h2_0', 'sessions_h2_1']);
    });

    it('generate warns about a config whose tablesFilter lets push see partitions, naming the tables and the fix', async () => {
      const none = ok(await project.cli(['generate', '--config', 'nofilter.config.ts']), 'generate (no filter)');
      expect(none.stderr).toContain('nofilter.config.ts: drizzle-kit push and pull (0.31 and 1.0) would see the partitions of events, metrics, sessions (events_p20260101, events_p20260201, events_default, … 7 declared) as plain tables');
      expect(none.stderr).toContain("add tablesFilter: partitionsTablesFilter(['events', 'metrics', 'sessions'])");
      const partial = ok(await project.cli(['generate', '--config', 'partial.config.ts']), 'generate (partial filter)');
      expect(partial.stderr).toContain('partial.config.ts: drizzle-kit push and pull (0.31 and 1.0) would see the partitions of metrics, sessions (metrics_p20260101, metrics_default, sessions_h2_0, … 4 declared)');
      expect(partial.stderr).toContain("add '!metrics_*', '!sessions_*' to its tablesFilter");
      expect(partial.stderr).not.toContain('events');
    });

    if (line === '1') {
      it('push with partitionsTablesFilter plans nothing and changes nothing', async () => {
        const before = await partitions();
        const explain = ok(await project.drizzleKit(['push', '--explain']), 'push --explain');
        expect(explain.stdout).toContain('No changes detected');
        const push = ok(await project.drizzleKit(['push', '--force', '--verbose']), 'push --force');
        expect(push.stdout).toContain('No changes detected');
        expect(output(push)).not.toMatch(/DROP TABLE/);
        expect(await partitions()).toEqual(before);
        expect((await db.sql`select count(*)::int as n from events`)[0]!.n).toBe(2);
      });

      it('without the filter, push plans a DROP TABLE of every partition: it asks to confirm the non-empty ones, drops the empty ones unasked', async () => {
        const ask = await project.drizzleKit(['push', '--force', '--config', 'nofilter.config.ts']);
        expect(ask.code, output(ask)).toBe(2);
        const unconfirmed = [...ask.stdout.matchAll(/"confirm_data_loss", "kind": "table", "entity": \["public", "([^"]+)"\]/g)].map((m) => m[1]);
        expect(unconfirmed.sort()).toEqual(['events_default', 'events_p20260101', 'sessions_h2_0']);
        const hints = unconfirmed.map((name) => ({ type: 'confirm_data_loss' as const, kind: 'table', entity: ['public', name!] }));
        const explain = ok(await project.drizzleKit(['push', '--explain', '--config', 'nofilter.config.ts'], { hints }), 'push --explain (no filter)');
        const drops = [...explain.stdout.matchAll(/DROP TABLE "([^"]+)"/g)].map((m) => m[1]).sort();
        expect(drops).toEqual(['events_default', 'events_p20260101', 'events_p20260201', 'metrics_default', 'metrics_p20260101', 'sessions_h2_0', 'sessions_h2_1']);
        expect(await partitions()).toContain('events_p20260201'); // --explain runs nothing
      });
    } else {
      it('push with partitionsTablesFilter drops no partition: it proposes to create the invisible parents again and stops on "already exists"', async () => {
        const before = await partitions();
        const push = await project.drizzleKit(['push', '--force', '--verbose']);
        expect(push.stdout).toContain('CREATE TABLE "events"');
        expect(output(push)).not.toMatch(/DROP TABLE/);
        expect(push.stderr).toContain('relation "events" already exists');
        expect(await partitions()).toEqual(before);
        expect((await db.sql`select count(*)::int as n from events`)[0]!.n).toBe(2);
      });

      it('without the filter, push offers the partitions as tables the parent was renamed from', async () => {
        const err = await project.drizzleKit(['push', '--force', '--config', 'nofilter.config.ts'], { answers: [] }).then(
          () => new Error('push opened no prompt'),
          (e: Error) => e,
        );
        expect(err.message).toContain('Is events table created or renamed from another table?');
        for (const p of ['events_p20260101', 'events_default', 'sessions_h2_0']) expect(err.message).toContain(`~ ${p} › events`);
        expect(await partitions()).toContain('events_p20260101');
      });
    }

    it('pull with partitionsTablesFilter writes no partition out as a table; without it, pull writes each one', async () => {
      ok(await project.drizzleKit(['pull', '--config', 'pull.config.ts']), 'pull');
      const pulled = await project.read('pulled/schema.ts');
      expect(pulled).toContain('"users"');
      for (const p of [...PARTITIONS, 'metrics_p20260101']) expect(pulled).not.toContain(p);
      if (line === '1') expect(pulled).toContain('"events"'); // 1.0 sees the parent (as a plain table); 0.31 does not
      else expect(pulled).not.toContain('"events"');
      ok(await project.drizzleKit(['pull', '--config', 'pull-nofilter.config.ts']), 'pull (no filter)');
      const unfiltered = await project.read('pulled-nofilter/schema.ts');
      for (const p of PARTITIONS) expect(unfiltered).toContain(`"${p}"`);
      expect(await plainTables()).toEqual(['users']);
    });
  });
}

interface Snapshot {
  id: string;
  prevIds: string[];
  footprints: { statementType: string; statementTarget: string[]; writes: string[]; reads?: string[] }[];
}

describe('footprints of partition-only migrations (drizzle-kit 1.0 folders)', () => {
  let project: Project;
  const folders = async () => (await project.list('drizzle')).filter((f) => project.exists(`drizzle/${f}/snapshot.json`)).sort();
  const snapshotOf = (folder: string) => project.readJson<Snapshot>(`drizzle/${folder}/snapshot.json`);
  /** Generates a branch from the first migration: the other branches are put aside meanwhile. */
  async function branch(name: string, o: Parameters<typeof schema>[0], aside: string[]): Promise<string> {
    for (const f of aside) await rename(project.path(`drizzle/${f}`), project.path(`aside/${f}`));
    await project.write('src/schema.ts', schema(o));
    ok(await project.cli(['generate', '--name', name]), `generate ${name}`);
    const made = (await folders()).find((f) => f.endsWith(`_${name}`))!;
    for (const f of aside) await rename(project.path(`aside/${f}`), project.path(`drizzle/${f}`));
    return made;
  }
  const check = () => project.drizzleKit(['check']);

  let init: string;
  let a: string;
  let b: string;
  let c: string;

  beforeAll(async () => {
    project = await createProject({ name: 'footprints', drizzle: '1', files: { 'src/schema.ts': schema(), 'drizzle.config.ts': config({ filter: FILTER }), 'aside/.keep': '' } });
    ok(await project.cli(['generate', '--name', 'init']), 'generate init');
    [init] = await folders() as [string];
    a = await branch('a_events', { eventsMonths: ['2026-01', '2026-02', '2026-03'] }, []);
    b = await branch('b_events', { eventsMonths: ['2026-01', '2026-04'] }, [a]);
    c = await branch('c_metrics', { metricsMonths: ['2026-01', '2026-02'] }, [a, b]);
  }, 180_000);
  afterAll(async () => {
    await project?.remove();
  });

  it('each branch is a partition-only migration on the first one, whose snapshot lists what it changes', async () => {
    const initId = (await snapshotOf(init)).id;
    for (const f of [a, b, c]) expect((await snapshotOf(f)).prevIds).toEqual([initId]);
    const n = (q: string) => [`s|tbl|${q}`, `n|tbl|${q}`, `e|tbl|${q}`, `n|rel|${q}`, `n|type|${q}`];
    expect((await snapshotOf(a)).footprints).toEqual([
      { statementType: 'alter_partitions', statementTarget: ['table', 'public', 'events'], writes: ['s|partitions|public.events'], reads: ['n|tbl|public.events', 'n|sch|public'] },
      { statementType: 'create_table', statementTarget: ['table', 'public', 'events_p20260301'], writes: [...n('public.events_p20260301'), 'n|rel|public.events_p20260301_pkey'], reads: ['n|sch|public'] },
    ]);
    expect((await snapshotOf(b)).footprints.map((f) => `${f.statementType} ${f.statementTarget.join('.')}`)).toEqual([
      'alter_partitions table.public.events',
      'drop_table table.public.events_p20260201',
      'create_table table.public.events_p20260401',
    ]);
  });

  it('drizzle-kit check reports two branches that change the partitions of one table', async () => {
    await rename(project.path(`drizzle/${c}`), project.path(`aside/${c}`));
    const r = await check();
    expect(r.code, output(r)).not.toBe(0);
    expect(output(r)).toContain('Conflicting migrations detected');
    expect(output(r)).toContain('alter_partitions on events table');
    expect(output(r)).toContain(a);
    expect(output(r)).toContain(b);
    // without footprints (as before), drizzle-kit 1.0 saw no conflict at all
    const saved = { a: await project.read(`drizzle/${a}/snapshot.json`), b: await project.read(`drizzle/${b}/snapshot.json`) };
    for (const f of [a, b]) await project.write(`drizzle/${f}/snapshot.json`, JSON.stringify({ ...(await snapshotOf(f)), footprints: [] }, null, 2));
    ok(await check(), 'check without footprints');
    await project.write(`drizzle/${a}/snapshot.json`, saved.a);
    await project.write(`drizzle/${b}/snapshot.json`, saved.b);
    await rename(project.path(`aside/${c}`), project.path(`drizzle/${c}`));
  });

  it('drizzle-kit check accepts branches that change the partitions of different tables', async () => {
    await rename(project.path(`drizzle/${b}`), project.path(`aside/${b}`));
    ok(await check(), 'check (events and metrics branches)');
    await rename(project.path(`aside/${b}`), project.path(`drizzle/${b}`));
  });

  it("the create_table and drop_table footprints are drizzle-kit 1.0's own for the partition declared as a plain table", async () => {
    const ours = [...(await snapshotOf(a)).footprints, ...(await snapshotOf(b)).footprints];
    for (const f of [a, b, c]) await rename(project.path(`drizzle/${f}`), project.path(`aside/${f}`));
    await project.write('src/schema.ts', schema({ plain: 'events_p20260301' }));
    ok(await project.drizzleKit(['generate', '--name', 'plain_create']), 'drizzle-kit generate (plain table)');
    await project.write('src/schema.ts', schema());
    // drizzle-kit 1.0 asks nothing about a dropped table
    ok(await project.drizzleKit(['generate', '--name', 'plain_drop']), 'drizzle-kit generate (drop plain table)');
    const all = await folders();
    const kitCreate = (await snapshotOf(all.find((f) => f.endsWith('_plain_create'))!)).footprints;
    const kitDrop = (await snapshotOf(all.find((f) => f.endsWith('_plain_drop'))!)).footprints;
    expect(kitCreate).toEqual([ours.find((f) => f.statementType === 'create_table' && f.statementTarget[2] === 'events_p20260301')]);
    const ourDrop = ours.find((f) => f.statementType === 'drop_table')!;
    const rename2 = (x: string) => x.replace('events_p20260201', 'events_p20260301');
    expect(kitDrop).toEqual([{ ...ourDrop, statementTarget: ourDrop.statementTarget.map(rename2), writes: ourDrop.writes.map(rename2), reads: ourDrop.reads }]);
    for (const f of all.filter((x) => x.endsWith('_plain_create') || x.endsWith('_plain_drop'))) await rm(project.path(`drizzle/${f}`), { recursive: true });
    for (const f of [a, b, c]) await rename(project.path(`aside/${f}`), project.path(`drizzle/${f}`));
  });
});
