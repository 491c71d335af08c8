/**
 * The main job, as a user would run it: `drizzle-partitions generate` (drizzle-kit
 * generate, then the post-processor) on the example schema (examples/basic), then
 * drizzle-orm's migrate() applies the migrations, then we print what PostgreSQL made.
 *
 * Runs on DATABASE_URL when set, otherwise on a throwaway embedded PostgreSQL, in a
 * fresh scratch database that is dropped at the end (--keep keeps it).
 *
 *   npm run example [-- --keep]
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { generate } from 'drizzle-partitions/migrations';
import postgres from 'postgres';
import { createScratchDatabase } from '../test/harness/client.js';
import { startServer } from '../test/harness/server.js';

const root = new URL('..', import.meta.url).pathname;
const keep = process.argv.includes('--keep');

console.log('$ drizzle-partitions generate');
const result = await generate({ cwd: root, stdio: 'pipe', onOutput: (s) => process.stdout.write(s) });
for (const r of result.report) {
  console.log(`${r.id}: ${r.action}`);
  for (const n of r.notes) console.log(`  - ${n}`);
}
if (result.report.length === 0) console.log('migrations are up to date with the schema');
for (const w of result.warnings) console.log(`warning: ${w}`);

const server = await startServer({ log: (l) => console.log(l) });
const db = await createScratchDatabase(server.url, { prefix: 'dp_example' });
const sql = postgres(db.url, { max: 1, onnotice: () => {} });
let failed = false;
try {
  await migrate(drizzle(sql), { migrationsFolder: `${root}examples/basic/drizzle` });
  const rows = await sql<{ depth: number; name: string; bound: string | null; strategy: string | null }[]>`
    with recursive tree as (
      select c.oid, 0 as depth, (n.nspname || '.' || c.relname)::text collate "C" as name, null::text collate "C" as bound, (c.relname::text collate "C") as path
      from pg_partitioned_table p join pg_class c on c.oid = p.partrelid join pg_namespace n on n.oid = c.relnamespace
      where not c.relispartition
      union all
      select c.oid, t.depth + 1, c.relname::text collate "C", pg_get_expr(c.relpartbound, c.oid), (t.path || '/' || c.relname::text) collate "C"
      from tree t join pg_inherits i on i.inhparent = t.oid join pg_class c on c.oid = i.inhrelid where c.relkind in ('r', 'p')
    )
    select t.depth, t.name, t.bound, p.partstrat::text as strategy
    from tree t left join pg_partitioned_table p on p.partrelid = t.oid order by t.path`;
  const method: Record<string, string> = { r: 'RANGE', l: 'LIST', h: 'HASH' };
  console.log(`\n$ migrate  -> database ${db.name} (${server.provider}, PostgreSQL ${server.version}):\n`);
  for (const r of rows) {
    const label = r.strategy ? ` [partitioned by ${method[r.strategy]}]` : '';
    console.log(`${'  '.repeat(r.depth)}${r.name}${r.bound ? `  ${r.bound}` : ''}${label}`);
  }
  console.log(`\n${rows.filter((r) => r.depth === 0).length} partitioned tables, ${rows.filter((r) => r.depth > 0).length} partitions.`);
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
