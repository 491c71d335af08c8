/**
 * A sub-partitioned table: monthly RANGE partitions, each split by HASH on tenant.
 *
 *   npx tsx examples/sub-partitioned/main.ts [--keep]     (after npm run build)
 *
 * - the declared months (January, February 2026) are sub-partitioned: rows of a month
 *   spread over its 4 hash partitions by tenant, and a tenant's rows of one month are
 *   all in one of them;
 * - maintenance (premake 2) creates March and April ahead, but as PLAIN partitions:
 *   a maintenance policy has no sub-partition template, and apply() creates every
 *   partition as `CREATE TABLE ... (LIKE parent)` + ATTACH. This example asserts that
 *   behaviour as it stands, so it fails (and must be updated) once maintenance can
 *   sub-partition the months it creates.
 */
import { apply, getPartitioning, plan } from 'drizzle-partitions';
import { check, expectEqual, printStatus, rowsPerPartition, runExample, type ExampleContext } from '../shared.js';
import { metrics } from './schema.js';

const here = new URL('./', import.meta.url);
const TENANTS = 40;
const leaves = (month: string) => [0, 1, 2, 3].map((r) => `metrics_p${month}_h4_${r}`);

async function insertMonth(ctx: ExampleContext, month: string) {
  const rows = [];
  for (let tenantId = 1; tenantId <= TENANTS; tenantId++) {
    for (let day = 1; day <= 28; day++) rows.push({ tenantId, day: `${month}-${String(day).padStart(2, '0')}`, value: tenantId * day });
  }
  await ctx.db.insert(metrics).values(rows);
  return rows.length;
}

await runExample('sub-partitioned: monthly RANGE partitions split by HASH on tenant', here, async (ctx) => {
  // What the schema declares, as getPartitioning() reads it back.
  const declared = getPartitioning(metrics)!;
  for (const p of declared.partitions) console.log(`declared ${p.name}${p.partitionBy ? `: ${p.partitionBy.method.toUpperCase()} into ${p.partitionBy.partitions.map((c) => c.name).join(', ')}` : ''}`);
  console.log('');

  let tree = await printStatus(ctx, metrics, 'after migrate:');
  expectEqual(
    tree.partitions.map((p) => [p.name, p.partitionBy ?? null, p.children.map((c) => c.name)]),
    [
      ['metrics_p20260101', 'HASH (tenant_id)', leaves('20260101')],
      ['metrics_p20260201', 'HASH (tenant_id)', leaves('20260201')],
    ],
    'declared months and their hash partitions',
  );

  const n = (await insertMonth(ctx, '2026-01')) + (await insertMonth(ctx, '2026-02'));
  await printStatus(ctx, metrics, `${n} rows for January and February:`);
  const counts = await rowsPerPartition(ctx.sql, { name: 'metrics' });
  for (const month of ['20260101', '20260201']) {
    for (const leaf of leaves(month)) check((counts.get(leaf) ?? 0) > 0, `${leaf} holds rows`);
    expectEqual(leaves(month).reduce((s, l) => s + (counts.get(l) ?? 0), 0), TENANTS * 28, `rows of ${month}`);
  }
  const [split] = await ctx.sql<{ n: number }[]>`select count(*)::int as n from (select tenant_id, date_trunc('month', day) from metrics group by 1, 2 having count(distinct tableoid) > 1) x`;
  expectEqual(split!.n, 0, 'tenant-months spread over more than one hash partition');

  // Maintenance on 10 February: February is current (declared), March and April ahead.
  const now = new Date('2026-02-10T06:00:00Z');
  const p = await plan(ctx.db, [metrics], { now });
  const ops = p.tables[0]!.ops.map((op) => (op.kind === 'create' ? `create ${op.partition.name} (${op.reason})` : op.kind));
  console.log(`maintenance at ${now.toISOString()}:\n${ops.map((o) => `  ${o}`).join('\n')}`);
  expectEqual(ops, ['create metrics_p20260301 (premake)', 'create metrics_p20260401 (premake)'], 'maintenance plan');
  const r = await apply(ctx.db, p, { now });
  expectEqual(r.results.map((x) => x.status), ['done', 'done'], 'maintenance results');

  const march = await insertMonth(ctx, '2026-03');
  tree = await printStatus(ctx, metrics, `after maintenance, and ${march} rows for March:`);
  expectEqual(
    tree.partitions.map((x) => [x.name, x.origin, x.partitionBy ?? null, x.children.length]),
    [
      ['metrics_p20260101', 'declared', 'HASH (tenant_id)', 4],
      ['metrics_p20260201', 'declared', 'HASH (tenant_id)', 4],
      // maintenance splits new months by tenant too (the policy's partitionBy)
      ['metrics_p20260301', 'maintenance', 'HASH (tenant_id)', 4],
      ['metrics_p20260401', 'maintenance', 'HASH (tenant_id)', 4],
    ],
    'months after maintenance',
  );
  const perPartition = await rowsPerPartition(ctx.sql, { name: 'metrics' });
  const marchRows = [0, 1, 2, 3].reduce((a, r) => a + (perPartition.get(`metrics_p20260301_h4_${r}`) ?? 0), 0);
  expectEqual(marchRows, march, "March's rows, spread over its 4 hash partitions");
});
