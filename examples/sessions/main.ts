/**
 * HASH-partitioned sessions: how rows spread over the 8 partitions.
 *
 *   npx tsx examples/sessions/main.ts [--keep]     (after npm run build)
 *
 * - 1,000 users with 4 sessions each: every partition gets about an eighth;
 * - all sessions of one user are in one partition (the hash of user_id decides), so
 *   a lookup by user reads that partition only;
 * - HASH tables need no maintenance: plan() has nothing to do (no policy).
 */
import { randomBytes } from 'node:crypto';
import { eq, sql as sqlTag } from 'drizzle-orm';
import { plan } from 'drizzle-partitions';
import { check, expectEqual, printStatus, rowsPerPartition, runExample } from '../shared.js';
import { sessions } from './schema.js';

const here = new URL('./', import.meta.url);
const USERS = 1000;
const PER_USER = 4;
const PARTITIONS = Array.from({ length: 8 }, (_, i) => `sessions_h8_${i}`);

await runExample('sessions: 8 HASH partitions by user', here, async (ctx) => {
  let tree = await printStatus(ctx, sessions, 'after migrate:');
  expectEqual(tree.partitions.map((p) => [p.name, p.boundText]), PARTITIONS.map((name, i) => [name, `FOR VALUES WITH (modulus 8, remainder ${i})`]), 'partitions after migrate');

  const expiresAt = new Date(Date.now() + 86_400_000);
  const rows = Array.from({ length: USERS * PER_USER }, (_, i) => ({ userId: (i % USERS) + 1, token: randomBytes(16).toString('hex'), expiresAt }));
  await ctx.db.insert(sessions).values(rows);
  tree = await printStatus(ctx, sessions, `${rows.length} sessions of ${USERS} users:`);

  const counts = await rowsPerPartition(ctx.sql, { name: 'sessions' });
  const mean = rows.length / PARTITIONS.length;
  console.log('spread (each # is 25 rows):');
  for (const name of PARTITIONS) {
    const n = counts.get(name) ?? 0;
    console.log(`  ${name}  ${String(n).padStart(4)}  ${'#'.repeat(Math.round(n / 25)).padEnd(24)}${(((n - mean) / mean) * 100).toFixed(1).padStart(5)}% from the mean`);
  }
  expectEqual([...counts.keys()], PARTITIONS, 'every partition holds rows');
  expectEqual([...counts.values()].reduce((a, b) => a + b, 0), rows.length, 'rows in all partitions');
  for (const [name, n] of counts) check(n > mean * 0.6 && n < mean * 1.4, `${name} holds ${n} rows, within 40% of the mean ${mean}`);

  const split = await ctx.sql<{ n: number }[]>`select count(*)::int as n from (select user_id from sessions group by user_id having count(distinct tableoid) > 1) x`;
  expectEqual(split[0]!.n, 0, 'users whose sessions are in more than one partition');
  const multiples = await ctx.sql<{ n: number }[]>`select count(*)::int as n from (select user_id from sessions group by user_id having count(*) = ${PER_USER}) x`;
  expectEqual(multiples[0]!.n, USERS, `users with all ${PER_USER} sessions`);

  // A lookup by user reads one partition: the planner prunes the other seven.
  const [home] = await ctx.sql<{ name: string }[]>`select tableoid::regclass::text as name from sessions where user_id = 42 limit 1`;
  const explain = (await ctx.db.execute<{ 'QUERY PLAN': string }>(sqlTag`explain (costs off) ${ctx.db.select().from(sessions).where(eq(sessions.userId, 42)).getSQL()}`)).map((r) => r['QUERY PLAN']);
  console.log(`\nuser 42's sessions are in ${home!.name}; explain select * from sessions where user_id = 42:\n${explain.map((l) => `  ${l}`).join('\n')}\n`);
  expectEqual([...new Set(explain.join('\n').match(/sessions_h8_\d/g) ?? [])], [home!.name], 'partitions scanned for one user');

  const p = await plan(ctx.db, [sessions]);
  const t = p.tables[0]!;
  console.log(`plan(): ${t.ops.length} step(s); ${t.problems.map((x) => `${x.code}: ${x.message}`).join('; ')}`);
  expectEqual([t.ops.length, t.problems.map((x) => x.code)], [0, ['no-policy']], 'maintenance plan of a HASH table');
});
