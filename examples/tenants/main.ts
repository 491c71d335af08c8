/**
 * Per-tenant LIST partitions created on demand.
 *
 *   npx tsx examples/tenants/main.ts [--keep]     (after npm run build)
 *
 * - the declared tenant (acme) has its partition from the first migration;
 * - orders of tenants without a partition land in orders_default;
 * - ensurePartitions() creates the missing partitions, moving those rows out of the
 *   default first (in batches, lock-aware: the way apply() creates partitions);
 * - a tenant that signs up gets its partition before its first order;
 * - a second call has nothing to do.
 */
import { sql as sqlTag } from 'drizzle-orm';
import { ensurePartitions, type ApplyResult } from 'drizzle-partitions';
import { check, expectEqual, printStatus, rowsPerPartition, runExample, type ExampleContext } from '../shared.js';
import { orders } from './schema.js';

const here = new URL('./', import.meta.url);

function report(r: ApplyResult): [string, string, number][] {
  for (const x of r.results) {
    console.log(`  ${x.status === 'done' ? '✓' : x.status === 'skipped' ? '-' : '✗'} ${x.op.partition.name}: ${x.status}${x.method ? ` — ${x.method}` : ''}${x.reason ? ` — ${x.reason}` : ''}${x.movedRows ? ` — moved ${x.movedRows} row(s) out of the default` : ''}`);
  }
  if (r.results.length === 0) console.log('  nothing to do: every tenant has its partition');
  console.log('');
  return r.results.map((x) => [x.op.partition.name, x.status, x.movedRows ?? 0]);
}

async function placeOrders(ctx: ExampleContext, tenant: string, count: number) {
  await ctx.db.insert(orders).values(Array.from({ length: count }, (_, i) => ({ tenant, totalCents: 1000 + i })));
}

await runExample('tenants: LIST partitions per tenant, created on demand', here, async (ctx) => {
  let tree = await printStatus(ctx, orders, 'after migrate:');
  expectEqual(tree.partitions.map((p) => p.name), ['orders_acme', 'orders_default'], 'partitions after migrate');

  await placeOrders(ctx, 'acme', 3);
  await placeOrders(ctx, 'globex', 2);
  await placeOrders(ctx, 'initech', 4);
  await printStatus(ctx, orders, 'globex and initech have no partition yet: their orders are in the default');
  expectEqual(Object.fromEntries(await rowsPerPartition(ctx.sql, { name: 'orders' })), { orders_acme: 3, orders_default: 6 }, 'rows before ensurePartitions');

  console.log("ensurePartitions(db, orders, ['acme', 'globex', 'initech'])");
  expectEqual(
    report(await ensurePartitions(ctx.db, orders, ['acme', 'globex', 'initech'])),
    [
      ['orders_globex', 'done', 2],
      ['orders_initech', 'done', 4],
    ],
    'ensurePartitions for the existing tenants (acme already has one)',
  );
  tree = await printStatus(ctx, orders, 'their rows moved out of the default:');
  expectEqual(Object.fromEntries(await rowsPerPartition(ctx.sql, { name: 'orders' })), { orders_acme: 3, orders_globex: 2, orders_initech: 4 }, 'rows after ensurePartitions');
  expectEqual(
    tree.partitions.map((p) => [p.name, p.origin]),
    [
      ['orders_acme', 'declared'],
      ['orders_default', 'declared'],
      ['orders_globex', 'maintenance'],
      ['orders_initech', 'maintenance'],
    ],
    'who made each partition',
  );

  // Sign-up: the partition first, then the orders go straight into it. Partition names
  // come from the value, folded to [a-z0-9_].
  console.log("sign-up of 'Wayne Enterprises': ensurePartitions(db, orders, ['Wayne Enterprises'])");
  expectEqual(report(await ensurePartitions(ctx.db, orders, ['Wayne Enterprises'])), [['orders_wayne_enterprises', 'done', 0]], 'partition for a new tenant');
  await placeOrders(ctx, 'Wayne Enterprises', 5);
  expectEqual((await rowsPerPartition(ctx.sql, { name: 'orders' })).get('orders_wayne_enterprises'), 5, 'new tenant rows in their own partition');

  console.log("ensurePartitions(db, orders, ['globex', 'Wayne Enterprises']) again");
  expectEqual(report(await ensurePartitions(ctx.db, orders, ['globex', 'Wayne Enterprises'])), [], 'a second call');

  // A query for one tenant reads that tenant's partition only.
  const planLines = (await ctx.db.execute<{ 'QUERY PLAN': string }>(sqlTag`explain (costs off) select count(*) from ${orders} where ${orders.tenant} = 'globex'`)).map((r) => r['QUERY PLAN']);
  console.log(`explain select count(*) from orders where tenant = 'globex':\n${planLines.map((l) => `  ${l}`).join('\n')}\n`);
  const scanned = [...new Set(planLines.join('\n').match(/orders_\w+/g) ?? [])];
  expectEqual(scanned, ['orders_globex'], 'partitions scanned for one tenant');

  tree = await printStatus(ctx, orders, 'finally:');
  check(tree.partitions.length === 5, 'five partitions: acme, default, globex, initech, wayne_enterprises');
  expectEqual((await rowsPerPartition(ctx.sql, { name: 'orders' })).get('orders_default'), undefined, 'the default partition is empty');
});
