/**
 * A plain table the schema turns into a partitioned one, through `drizzle-partitions
 * generate` on the real drizzle-kit 0.31 and 1.0 CLIs and real PostgreSQL: the
 * migration holds a comment (and a notice) in place of DDL, the partitioning state
 * marks the conversion, `drizzle-kit check` passes and a rerun changes no byte; a later
 * migration that adds a partition starts with a guard, which stops `migrate` with the
 * sentence while the table is still plain and lets it through once the table is
 * partitioned by `drizzle-partitions convert apply`, which builds the partitions the
 * conversion's own migration recorded (so the later migration's partition is not made twice).
 */
import { describe, expect, it } from 'vitest';
import type { Sql } from '../harness/db.js';
import { useE2eScratch } from '../support/e2e-scratch.js';
import { conversionTarget } from '../../src/migrations/conversion-target.js';
import { openLayout } from '../../src/migrations/open-layout.js';
import { fingerprint } from '../support/history-kit.js';
import { createProject, pgConfig, type DrizzleLine, type Project } from '../support/project.js';

const { keep, freshDb } = useE2eScratch('dp_e2e_convgen');

const COLUMNS = `{ id: integer().notNull(), at: timestamp({ withTimezone: true }).notNull(), kind: text()NOTE }`;
const PK = `(t) => [primaryKey({ columns: [t.id, t.at] })]`;
const IMPORTS = `import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';\nimport { pgPartitionedTable, range } from 'drizzle-partitions';\n`;
const cols = (note: boolean) => COLUMNS.replace('NOTE', note ? ', note: text()' : '');
const plainSchema = (note = false) => `${IMPORTS}export const events = pgTable('events', ${cols(note)}, ${PK});\n`;
const month = (m: number) => `{ from: '2026-${String(m).padStart(2, '0')}-01', to: '2026-${String(m + 1).padStart(2, '0')}-01' }`;
const partitionedSchema = (months: number[], note = false) =>
  `${IMPORTS}export const events = pgPartitionedTable('events', ${cols(note)}, ${PK}, (t) => range(t.at, { partitions: [${months.map(month).join(', ')}] }));\n`;

const SENTENCE = '"public"."events" becomes partitioned online: run drizzle-partitions convert apply --table public.events';
const GUARD_SENTENCE = 'table public.events is not partitioned yet: run drizzle-partitions convert apply --table public.events, then migrate again';

/** The migrations' SQL files and state files, in order. */
async function files(p: Project, ext: string): Promise<{ path: string; text: string }[]> {
  const paths = Object.keys(await fingerprint(p)).filter((f) => f.endsWith(ext)).sort();
  return Promise.all(paths.map(async (path) => ({ path, text: await p.read(path) })));
}

const relkind = async (sql: Sql, name: string) => (await sql<{ k: string }[]>`SELECT relkind::text AS k FROM pg_class WHERE relname = ${name}`)[0]?.k;

async function generate(p: Project, name: string): Promise<string> {
  const r = await p.cli(['generate', '--name', name]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.stderr;
}

async function checkPasses(p: Project): Promise<void> {
  const check = await p.drizzleKit(['check']);
  expect(check.code, check.stdout + check.stderr).toBe(0);
}

for (const line of ['0.31', '1'] as const satisfies readonly DrizzleLine[]) {
  // 1.0: the conversion comes with a column added, in drizzle-kit's own migration;
  // 0.31: the conversion alone, in a migration of the post-processor's own
  const withColumn = line === '1';
  describe(`drizzle-kit ${line}`, { timeout: 120_000 }, () => {
    it('plain -> partitioned: a comment in place of DDL, the state marks it, later partition changes are guarded', async () => {
      const p = keep(await createProject({ name: `convgen-${line}`, drizzle: line, files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': plainSchema() } }));
      await generate(p, 'init');
      const { url, sql } = await freshDb();
      const m0 = await p.cli(['migrate', '--url', url]);
      expect(m0.code, m0.stdout + m0.stderr).toBe(0);
      await sql`INSERT INTO events (id, at) VALUES (1, '2026-01-05')`;

      await p.write('src/schema.ts', partitionedSchema([1], withColumn));
      const stderr = await generate(p, 'convert');
      expect(stderr).toContain(SENTENCE);
      const sqls = await files(p, '.sql');
      expect(sqls).toHaveLength(2);
      const conv = sqls[1]!;
      expect(conv.text).toContain(`-- drizzle-partitions: ${SENTENCE}\n`);
      expect(conv.text).not.toMatch(/PARTITION (BY|OF)|CREATE TABLE/);
      if (withColumn) expect(conv.text).toMatch(/^ALTER TABLE "events" ADD COLUMN "note" text;/m);
      const states = await files(p, '.json');
      const state = JSON.parse(states.filter((s) => s.path.includes('_partitions'))[1]!.text) as { tables: { name: string; conversion?: { direction: string; migration: string }; partitions: { name: string }[] }[] };
      const id = conv.path.split('/').at(-2)!.replace(/^drizzle$/, conv.path.split('/').at(-1)!.replace(/\.sql$/, ''));
      expect(state.tables).toEqual([expect.objectContaining({ name: 'events', conversion: { direction: 'to-partitioned', migration: id } })]);
      expect(state.tables[0]!.partitions.map((x) => x.name)).toEqual(['events_p20260101', 'events_default']);
      await checkPasses(p);
      const before = await fingerprint(p);
      expect((await p.cli(['generate', '--name', 'again'])).code).toBe(0);
      expect(await fingerprint(p)).toEqual(before);

      // migrate runs the comment: nothing changes, the table stays plain
      const m1 = await p.cli(['migrate', '--url', url]);
      expect(m1.code, m1.stdout + m1.stderr).toBe(0);
      expect(await relkind(sql, 'events')).toBe('r');

      // a later partition: the migration starts with the guard
      await p.write('src/schema.ts', partitionedSchema([1, 2], withColumn));
      await generate(p, 'feb');
      const later = (await files(p, '.sql'))[2]!;
      expect(later.text.split('\n')[1]).toMatch(/^DO \$drizzle_partitions\$ BEGIN IF \(SELECT c\.relkind FROM pg_class c WHERE c\.oid = to_regclass\('"events"'\)\) IS DISTINCT FROM 'p' THEN RAISE EXCEPTION/);
      expect(later.text).toContain('CREATE TABLE "events_p20260201" PARTITION OF "events"');
      await checkPasses(p);
      // what the converter builds: the partitions recorded by the conversion's migration, not February's
      const target = conversionTarget(openLayout(p.path('drizzle'), { prefix: 'index', breakpoints: true }), 'public.events');
      expect(target).toMatchObject({ direction: 'to-partitioned', migration: id });
      expect(target!.table!.partitions.map((x) => x.name)).toEqual(['events_p20260101', 'events_default']);

      // still plain: migrate stops at the guard with the sentence, before any DDL
      const m2 = await p.cli(['migrate', '--url', url]);
      expect(m2.code).not.toBe(0);
      expect(m2.stderr).toContain(GUARD_SENTENCE);
      expect(await relkind(sql, 'events_p20260201')).toBeUndefined();
      expect(await relkind(sql, 'events')).toBe('r');

      // drizzle-partitions convert apply: it builds the partitions the conversion's migration
      // recorded (January and the default, not February), so the guarded migration then applies
      const conv2 = await p.cli(['convert', 'apply', '--table', 'events', '--url', url]);
      expect(conv2.code, conv2.stdout + conv2.stderr).toBe(0);
      expect(conv2.stdout).toContain('public.events: swapped');
      expect(await relkind(sql, 'events')).toBe('p');
      expect(await relkind(sql, 'events_p20260201')).toBeUndefined();
      const m3 = await p.cli(['migrate', '--url', url]);
      expect(m3.code, m3.stdout + m3.stderr).toBe(0);
      expect(await relkind(sql, 'events_p20260201')).toBe('r');
      expect((await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`)[0]!.n).toBe(1);

      if (line === '0.31') {
        // and back: partitioned -> plain is recorded the same way
        await p.write('src/schema.ts', plainSchema(withColumn));
        const back = await generate(p, 'plain');
        expect(back).toContain('"public"."events" becomes a plain table again online: run drizzle-partitions convert apply --table public.events');
        const last = (await files(p, '.sql'))[3]!;
        expect(last.text).toContain('-- drizzle-partitions: "public"."events" becomes a plain table again online');
        const lastState = JSON.parse((await files(p, '.json')).filter((s) => s.path.includes('_partitions')).at(-1)!.text) as Record<string, unknown>;
        expect(lastState.tables).toEqual([]);
        expect(lastState.plainConversions).toEqual([{ schema: null, name: 'events', conversion: { direction: 'to-plain', migration: last.path.split('/').at(-1)!.replace(/\.sql$/, '') } }]);
        await checkPasses(p);
        expect(conversionTarget(openLayout(p.path('drizzle'), { prefix: 'index', breakpoints: true }), 'public.events')).toEqual({ direction: 'to-plain', migration: last.path.split('/').at(-1)!.replace(/\.sql$/, '') });
        // migrate (the comment), then the conversion back, online: the table is plain again
        const m4 = await p.cli(['migrate', '--url', url]);
        expect(m4.code, m4.stdout + m4.stderr).toBe(0);
        // the first conversion still keeps the plain original: undo, or drop it and convert
        const refused = await p.cli(['convert', 'apply', '--table', 'events', '--url', url]);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain('CONVERT_OTHER_DIRECTION');
        expect(refused.stderr).toContain('convert undo --table public.events');
        const dropped = await p.cli(['convert', 'drop-old', '--yes', '--table', 'events', '--url', url]);
        expect(dropped.code, dropped.stdout + dropped.stderr).toBe(0);
        const plan = await p.cli(['convert', 'plan', '--table', 'events', '--url', url]);
        expect(plan.code, plan.stdout + plan.stderr).toBe(0);
        expect(plan.stdout).toContain('public.events: about');
        const conv3 = await p.cli(['convert', 'apply', '--table', 'events', '--url', url]);
        expect(conv3.code, conv3.stdout + conv3.stderr).toBe(0);
        expect(conv3.stdout).toContain('public.events: swapped');
        expect(await relkind(sql, 'events')).toBe('r');
        expect(await relkind(sql, 'events_dp_old')).toBe('p');
        expect((await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM events`)[0]!.n).toBe(1);
        const again = await p.cli(['convert', 'plan', '--table', 'events', '--url', url]);
        expect(again.stdout).toContain('public.events: at swapped');
      }
    });
  });
}
