/**
 * Scenario 7 — an index on a live partitioned table: 20 daily partitions and a
 * default partition holding N rows (1M at full size), a writer inserting single rows
 * into today's partition while an index on `payload` is built.
 *
 * - drizzle-partitions: the migration `drizzle-partitions generate` writes for
 *   `index().concurrently()` on an existing table (marked to run outside a
 *   transaction), run by its migrate(): `CREATE INDEX ... ON ONLY events` (invalid,
 *   instant), `CREATE INDEX CONCURRENTLY` on each partition, `ALTER INDEX ... ATTACH
 *   PARTITION` each (lock_timeout and retries), after which the parent's index is valid;
 * - the baseline: the plain `CREATE INDEX` drizzle-kit writes and drizzle's migrators
 *   run (in a transaction), which holds SHARE on every partition — the writer waits
 *   for the whole build;
 * - the writer alone, as long as ours took.
 *
 * Goals (issue 11): no failed insert; the writer's longest insert during ours at most
 * the migrator's lock_timeout + 50 ms; the index valid and attached on every partition.
 */
import { migrate } from '../../src/migrator/index.js';
import { setupEvents, type EventsData } from '../data.js';
import { writeFolder } from '../../test/migrator/folders.js';
import { checkpoint, client, fmt, mdTable, ratio, tsLiteral, underWriter, utcDay, withScratch, writerAlone, writerStats, type Ctx, type Section, type Sql } from '../lib.js';

/** The migrator's lock_timeout here (its default). */
const LOCK_TIMEOUT_MS = 1000;
/** Allowed over lock_timeout for the writer's longest insert (issue 11). */
const STALL_SLACK_MS = 50;
const DAYS = 20;

/** Whether `index` is valid on the parent and on every leaf partition of `table`. */
async function coverage(sql: Sql, table: string, index: string): Promise<{ valid: boolean; leaves: number; indexed: number }> {
  const [r] = await sql.unsafe<{ valid: boolean; leaves: number; indexed: number }[]>(
    `select coalesce((select indisvalid from pg_index where indexrelid = to_regclass('${index}')), false) as valid,
       (select count(*)::int from pg_partition_tree('${table}') where isleaf) as leaves,
       (select count(*)::int from pg_partition_tree(to_regclass('${index}')) t join pg_index x on x.indexrelid = t.relid where t.isleaf and x.indisvalid) as indexed`,
  );
  return r!;
}

export async function concurrentIndex(ctx: Ctx): Promise<Section> {
  const t0 = performance.now();
  const rows = ctx.sizes.indexRows;
  const now = new Date();
  const data: EventsData = { now, pastDays: DAYS - 1, pastRowsPerDay: Math.ceil(rows / (DAYS - 1)), markPastManaged: false, futureRows: 0, futureDays: 1 };
  const writer = (idBase: number) => ({ table: 'events', at: tsLiteral(new Date(utcDay(now).getTime() + 3_600_000)), idBase });
  const notes: string[] = [];

  const run = async (who: 'ours' | 'plain') =>
    withScratch(ctx.opts.url, async (db) => {
      ctx.log(`  ${who === 'ours' ? 'drizzle-partitions migrate' : 'plain CREATE INDEX'}: setting up ${rows.toLocaleString('en-US')} rows`);
      const sql = client(db.url, 2);
      try {
        await setupEvents(sql, { interval: '1 day', premake: 1 }, data);
        await checkpoint(sql);
        const folder = writeFolder('journal', [
          {
            id: '0000_index',
            sql:
              who === 'ours'
                ? '-- drizzle-partitions: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "events_payload_idx" ON "events" USING btree ("payload");'
                : 'CREATE INDEX "events_payload_idx" ON "events" USING btree ("payload");',
          },
        ]);
        ctx.log(`  ${who === 'ours' ? 'drizzle-partitions migrate' : 'plain CREATE INDEX'} under the writer`);
        const r = await underWriter(db.url, writer(who === 'ours' ? 2_000_000_000 : 3_000_000_000), () =>
          migrate(sql, { migrationsFolder: folder, migrationsSchema: 'bench_migrations', lockTimeoutMs: LOCK_TIMEOUT_MS }),
        );
        return { ...r, cover: await coverage(sql, 'events', 'events_payload_idx') };
      } finally {
        await sql.end();
      }
    });

  const ours = await run('ours');
  const plain = await run('plain');
  ctx.log('  the writer alone');
  const alone = await withScratch(ctx.opts.url, async (db) => {
    const sql = client(db.url, 1);
    try {
      await setupEvents(sql, { interval: '1 day', premake: 1 }, { ...data, pastRowsPerDay: 1000 });
      return await writerAlone(db.url, writer(4_000_000_000), ours.ms);
    } finally {
      await sql.end();
    }
  });
  const w = { ours: writerStats(ours.writer), plain: writerStats(plain.writer), alone: writerStats(alone) };
  const stallGoal = LOCK_TIMEOUT_MS + STALL_SLACK_MS;
  const table = mdTable(
    ['', 'drizzle-partitions migrate (concurrently)', 'plain CREATE INDEX (drizzle-kit migrate)', 'ours ÷ plain', 'writer alone', 'goal', 'met'],
    [
      ['build wall time, ms', fmt(ours.ms), fmt(plain.ms), ratio(ours.ms, plain.ms), '', '', ''],
      ['writer failed inserts', w.ours.failed, w.plain.failed, '', w.alone.failed, '0', w.ours.failed === 0 ? 'yes' : 'NO'],
      ['writer max, ms', fmt(w.ours.max), fmt(w.plain.max), ratio(w.ours.max, w.plain.max), fmt(w.alone.max), `≤ ${stallGoal} (lock_timeout + ${STALL_SLACK_MS})`, w.ours.max <= stallGoal ? 'yes' : 'NO'],
      ['writer p99, ms', fmt(w.ours.p99), fmt(w.plain.p99), ratio(w.ours.p99, w.plain.p99), fmt(w.alone.p99), '', ''],
      ['writer p50, ms', fmt(w.ours.p50), fmt(w.plain.p50), '', fmt(w.alone.p50), '', ''],
      ['inserts', w.ours.inserts, w.plain.inserts, '', w.alone.inserts, '', ''],
      [
        'index valid, leaves indexed / leaves',
        `${ours.cover.valid ? 'valid' : 'INVALID'}, ${ours.cover.indexed} / ${ours.cover.leaves}`,
        `${plain.cover.valid ? 'valid' : 'INVALID'}, ${plain.cover.indexed} / ${plain.cover.leaves}`,
        '',
        '',
        'valid, all',
        ours.cover.valid && ours.cover.indexed === ours.cover.leaves ? 'yes' : 'NO',
      ],
    ],
  );
  if (w.ours.errors) notes.push(`writer errors during ours: ${w.ours.errors}`);
  return {
    title: '7. index on a live partitioned table',
    intro: [
      `${rows.toLocaleString('en-US')} rows in ${DAYS} daily partitions and a default one; a writer inserts single rows into today's partition while an index on payload is built: by drizzle-partitions migrate (per partition concurrently, then attached; lock_timeout ${LOCK_TIMEOUT_MS} ms) and, as the baseline, by the plain CREATE INDEX drizzle's migrators run.`,
    ],
    tables: [table],
    notes,
    ms: performance.now() - t0,
  };
}
