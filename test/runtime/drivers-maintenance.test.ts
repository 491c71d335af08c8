/**
 * The runtime suite on every driver: postgres.js, node-postgres and PGlite, raw
 * and wrapped by drizzle. What PGlite cannot do is listed once, in drivers.ts.
 */
import { expect, it } from 'vitest';
import { apply, ensurePartitions, getPartitioning, listPartitions, plan } from '../../src/index.js';
import { partitionByClause, declaredPartitionsSql } from '../../src/ddl/index.js';
import { can, forEachDriver } from '../support/drivers.js';
import { eventsTable, EVENTS_COLUMNS, tenantsTable } from '../support/fixtures.js';

forEachDriver('maintenance', (get, driver) => {
  const events = eventsTable(`drv_${driver.slug}`, { interval: '1 day', premake: 2, retention: { keep: '2 days', action: 'drop' } }, { withDefault: false });
  const tenants = tenantsTable(`drv_${driver.slug}_t`);

  it('creates ahead, retires behind, lists, and creates LIST partitions on demand', async () => {
    const h = get();
    for (const [t, cols] of [[events, EVENTS_COLUMNS], [tenants, `"tenant" text NOT NULL, "n" integer`]] as const) {
      const p = getPartitioning(t)!;
      await h.direct(`CREATE TABLE "${p.table.name}" (${cols}) ${partitionByClause(p)}`);
      for (const s of declaredPartitionsSql(p)) await h.direct(s);
    }
    const day1 = new Date('2026-06-01T08:00:00Z');
    const r1 = await apply(h.db, await plan(h.db, [events], { now: day1 }), { now: day1 });
    expect(r1.results.map((r) => r.status)).toEqual(['done', 'done', 'done']);
    await h.direct(`INSERT INTO "drv_${driver.slug}" (id, at) VALUES (1, '2026-06-01 09:00Z')`);

    const day5 = new Date('2026-06-05T08:00:00Z');
    const r5 = await apply(h.db, await plan(h.db, [events], { now: day5 }), { now: day5, allowDestructive: true });
    expect(r5.results.filter((r) => r.status !== 'done')).toEqual([]);
    const retired = r5.results.filter((r) => r.op.kind === 'retire');
    expect(retired.map((r) => r.op.partition.name)).toEqual([`drv_${driver.slug}_p20260601`, `drv_${driver.slug}_p20260602`]);
    // no default partition: DETACH CONCURRENTLY where the server (14+) and driver allow it
    const [{ v }] = (await h.direct(`select current_setting('server_version_num')::int as v`)) as [{ v: number }];
    const expected = !can(driver, 'second-connection')
      ? /single connection/
      : v >= 140000
        ? /^detach concurrently, dropped/
        : new RegExp(`^detach with lock_timeout \\(PostgreSQL ${Math.floor(v / 10000)} has no DETACH CONCURRENTLY\\), dropped`);
    for (const r of retired) expect(r.method).toMatch(expected);

    const tree = await listPartitions(h.db, events);
    // day 4 was missed: its hole is filled
    expect(r5.results.find((r) => r.op.kind === 'create' && r.op.partition.name.endsWith('p20260604'))?.op).toMatchObject({ reason: 'gap' });
    expect(tree.partitions.map((p) => p.name)).toEqual(['03', '04', '05', '06', '07'].map((d) => `drv_${driver.slug}_p202606${d}`));
    expect(tree.partitions.every((p) => p.origin === 'maintenance')).toBe(true);

    await h.direct(`INSERT INTO "drv_${driver.slug}_t" VALUES ('acme', 1)`);
    const e = await ensurePartitions(h.db, tenants, ['acme']);
    expect(e.results).toMatchObject([{ status: 'done', movedRows: 1 }]);
  });
});
