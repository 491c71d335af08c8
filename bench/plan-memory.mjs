/**
 * Scenario 2's memory probe, run as a child process of its own under plain Node, the
 * way an application runs the package: `node bench/plan-memory.mjs <package index.js>
 * <url> <plan|list> <premake>` imports the built package (ESM), connects with
 * postgres.js, calls plan() or listPartitions() once on `events` and prints
 * `{"maxRssBytes": ...}` (process.resourceUsage().maxRSS: the peak, Node's own start-up
 * included). Plain JavaScript so that no loader (tsx) adds its own memory; the table is
 * the bench's `events` (bench/data.ts, test/support/fixtures.ts eventsTable), written
 * again here with the built package.
 */
import { pathToFileURL } from 'node:url';
import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import postgres from 'postgres';

const [index, url, what, premake] = process.argv.slice(2);
if (!index || !url || (what !== 'plan' && what !== 'list')) {
  console.error('usage: plan-memory.mjs <package dist/esm/index.js> <url> <plan|list> <premake>');
  process.exit(2);
}
const { listPartitions, plan, pgPartitionedTable, range } = await import(pathToFileURL(index).href);
const events = pgPartitionedTable(
  'events',
  { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), payload: text() },
  (t) => [primaryKey({ columns: [t.id, t.at] })],
  (t) => range(t.at, { default: true, maintenance: { interval: '1 day', premake: Number(premake ?? 4) } }),
);
// postgres.js 3.4 does not percent-decode the database name of a URL.
const database = decodeURIComponent(new URL(url).pathname.slice(1));
const sql = postgres(url, { ...(database ? { database } : {}), max: 1, onnotice: () => {}, idle_timeout: 20 });
try {
  if (what === 'plan') await plan(sql, [events], { now: new Date() });
  else await listPartitions(sql, events);
} finally {
  await sql.end();
}
console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
