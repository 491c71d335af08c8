/**
 * Plan and apply at scale: a parent with N daily partitions (default 1,000),
 * timing listPartitions(), plan() and apply() and counting their round trips.
 * Not a test: run on demand with `npx tsx bench/scale.ts [N]`.
 * Prints a table; ratios are against a raw catalog query of the same tree.
 */
import postgres from 'postgres';
import { apply, listPartitions, plan } from '../src/index.js';
import { createScratchDatabase } from '../test/harness/client.js';
import { startServer } from '../test/harness/server.js';
import { createOn, eventsTable, EVENTS_COLUMNS } from '../test/runtime/fixtures.js';

const n = Number(process.argv[2] ?? 1000);
const server = await startServer();
const db = await createScratchDatabase(server.url, { prefix: 'dp_bench' });
let queries = 0;
const sql = postgres(db.url, { max: 2, onnotice: () => {}, debug: () => void queries++ });
const day = 86_400_000;
try {
  const start = new Date('2024-01-01T00:00:00Z');
  const t = eventsTable('scale', { interval: '1 day', premake: n - 1 });
  await createOn(sql, t, EVENTS_COLUMNS);
  const time = async <T>(f: () => Promise<T>) => {
    queries = 0;
    const t0 = performance.now();
    const value = await f();
    return { value, ms: performance.now() - t0, queries };
  };
  const created = await time(async () => apply(sql, await plan(sql, [t], { now: start }), { now: start }));
  const raw = await time(() => sql`select c.relname, pg_get_expr(c.relpartbound, c.oid) from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'scale'::regclass`);
  const listed = await time(() => listPartitions(sql, t));
  const planned = await time(() => plan(sql, [t], { now: new Date(start.getTime() + 10 * day) }));
  const applied = await time(() => apply(sql, planned.value, { now: new Date(start.getTime() + 10 * day) }));
  const rows = [
    ['step', 'ms', 'round trips', 'ratio to raw query'],
    [`raw catalog query (${raw.value.length} rows)`, raw.ms.toFixed(1), String(raw.queries), '1.0'],
    [`listPartitions (${listed.value.partitions.length} partitions)`, listed.ms.toFixed(1), String(listed.queries), (listed.ms / raw.ms).toFixed(1)],
    [`plan (${planned.value.tables[0]!.ops.length} ops)`, planned.ms.toFixed(1), String(planned.queries), (planned.ms / raw.ms).toFixed(1)],
    [`apply (${applied.value.results.length} ops)`, applied.ms.toFixed(1), String(applied.queries), (applied.ms / raw.ms).toFixed(1)],
    [`apply creating ${created.value.results.length} partitions`, created.ms.toFixed(1), String(created.queries), (created.ms / raw.ms).toFixed(1)],
  ];
  console.log(`\nPostgreSQL ${server.version} (${server.provider}), ${n} daily partitions\n`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  await sql.end();
  await db.drop();
  await server.stop();
}
