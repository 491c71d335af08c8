/**
 * The main job: define partitioned tables (examples/basic/schema.ts), let
 * drizzle-kit write the CREATE TABLE statements, turn them into partitioned DDL,
 * apply them to PostgreSQL and print what was made.
 *
 * Runs on DATABASE_URL when set, otherwise on a throwaway embedded PostgreSQL.
 * Works in a fresh scratch database that is dropped at the end (--keep keeps it).
 *
 *   npm run example [-- --keep]
 */
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import postgres from 'postgres';
import { partitionedTablesOf, rewriteStatements } from 'drizzle-partitions';
import * as schema from './basic/schema.js';
import { createScratchDatabase } from '../test/harness/client.js';
import { startServer } from '../test/harness/server.js';

const keep = process.argv.includes('--keep');
const server = await startServer({ log: (l) => console.log(l) });
const db = await createScratchDatabase(server.url, { prefix: 'dp_example' });
const sql = postgres(db.url, { max: 1, onnotice: () => {} });
let failed = false;
try {
  const empty = generateDrizzleJson({});
  const current = generateDrizzleJson(schema, empty.id);
  const statements = rewriteStatements(await generateMigration(empty, current), partitionedTablesOf(schema));
  console.log(`\n-- ${statements.length} statements (drizzle-kit's, with partitioned DDL added):\n`);
  for (const s of statements) console.log(s.trim().endsWith(';') ? s.trim() : `${s.trim()};`);
  await sql.begin(async (tx) => {
    for (const s of statements) await tx.unsafe(s);
  });

  const rows = await sql<{ depth: number; name: string; bound: string | null; strategy: string | null }[]>`
    with recursive tree as (
      select c.oid, 0 as depth, (n.nspname || '.' || c.relname)::text collate "C" as name, null::text collate "C" as bound, (c.relname::text collate "C") as path
      from pg_partitioned_table p join pg_class c on c.oid = p.partrelid join pg_namespace n on n.oid = c.relnamespace
      where not c.relispartition
      union all
      select c.oid, t.depth + 1, c.relname::text collate "C", pg_get_expr(c.relpartbound, c.oid), (t.path || '/' || c.relname::text) collate "C"
      from tree t join pg_inherits i on i.inhparent = t.oid join pg_class c on c.oid = i.inhrelid
    )
    select t.depth, t.name, t.bound, p.partstrat::text as strategy
    from tree t left join pg_partitioned_table p on p.partrelid = t.oid order by t.path`;
  const method: Record<string, string> = { r: 'RANGE', l: 'LIST', h: 'HASH' };
  console.log(`\n-- made in database ${db.name} (${server.provider}, PostgreSQL ${server.version}):\n`);
  for (const r of rows) {
    const label = r.strategy ? ` [partitioned by ${method[r.strategy]}]` : '';
    console.log(`${'  '.repeat(r.depth)}${r.name}${r.bound ? `  ${r.bound}` : ''}${label}`);
  }
  const [count] = await sql<{ n: number }[]>`select count(*)::int as n from pg_class where relispartition and relkind in ('r', 'p')`;
  console.log(`\n${rows.filter((r) => r.depth === 0).length} partitioned tables, ${count!.n} partitions.`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await sql.end({ timeout: 5 });
  if (keep) console.log(`kept database ${db.name} at ${db.url}`);
  else await db.drop();
  await server.stop();
}
process.exitCode = failed ? 1 : 0;
