/**
 * A table the schema declares partitioned that the database still has as a plain
 * table (its online conversion has not run): plan() reports a problem naming the
 * convert command and plans nothing, and apply() leaves the table alone; a plain
 * table named without a schema declaration is still an error.
 */
import { describe, expect, it } from 'vitest';
import { apply, DrizzlePartitionsError, plan } from '../../src/index.js';
import { useTestDatabase } from '../harness/db.js';
import { EVENTS_COLUMNS, eventsTable } from '../support/fixtures.js';

const db = useTestDatabase({ prefix: 'dp_plan_conv' });
const NOW = new Date('2026-03-27T12:00:00Z');

describe('plan() on a table not converted yet', () => {
  it('reports not-converted with the command, plans nothing, apply changes nothing', async () => {
    await db.sql.unsafe(`CREATE TABLE "pc_events" (${EVENTS_COLUMNS}); INSERT INTO pc_events VALUES (1, '2026-03-27', 'x')`);
    const t = eventsTable('pc_events', { interval: '1 day', premake: 2 });
    const work = await plan(db.sql, [t], { now: NOW });
    const [tp] = work.tables;
    expect(tp!.ops).toEqual([]);
    expect(tp!.problems).toEqual([
      { code: 'not-converted', table: 'public.pc_events', message: 'the schema declares public.pc_events partitioned, but it is a plain table in this database: run drizzle-partitions convert apply --table public.pc_events; nothing is created or retired until then' },
    ]);
    const r = await apply(db.sql, work);
    expect(r.results).toEqual([]);
    const rows = await db.sql<{ relname: string; relkind: string }[]>`SELECT relname, relkind::text FROM pg_class WHERE relname LIKE 'pc_events%' AND relkind IN ('r', 'p') ORDER BY 1`;
    expect(rows).toEqual([{ relname: 'pc_events', relkind: 'r' }]);
  });

  it('a plain table named without a schema declaration is still NOT_PARTITIONED; a missing table still fails', async () => {
    await db.sql.unsafe(`CREATE TABLE "pc_plain" (id int)`);
    const e = await plan(db.sql, [{ name: 'pc_plain' }], { now: NOW }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(DrizzlePartitionsError);
    expect((e as DrizzlePartitionsError).code).toBe('NOT_PARTITIONED');
    await expect(plan(db.sql, [eventsTable('pc_missing', { interval: '1 day', premake: 1 })], { now: NOW })).rejects.toThrow(/pc_missing/);
  });
});
