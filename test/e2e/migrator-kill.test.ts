/**
 * kill -9 of `drizzle-partitions migrate` at 10 random points of a no-transaction
 * migration (concurrent indexes on a partitioned table with sub-partitions and on a
 * plain one, a NOT VALID constraint then validated, a partitioned index dropped),
 * each followed by a rerun: every rerun converges, no invalid index is left, the
 * migration is recorded once.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';
import { BREAK, partitionedTableSql, writeFolder } from '../migrator/folders.js';
import { createProject, REPO_ROOT } from '../support/project.js';

const db = useTestDatabase({ prefix: 'dp_migrator_kill' });

const INIT = [
  ...partitionedTableSql('k', 8),
  'CREATE TABLE "kp" ("id" bigint NOT NULL, "v" integer);',
  'CREATE INDEX "k_old_idx" ON "k" USING btree ("id");',
  `INSERT INTO "k" (id, at, v) SELECT g, g % 8000, g % 13 FROM generate_series(1, 40000) g;`,
  `INSERT INTO "kp" (id, v) SELECT g, g % 13 FROM generate_series(1, 40000) g;`,
].join(BREAK);

const CONCURRENT = [
  '-- drizzle-partitions: no-transaction',
  'CREATE INDEX CONCURRENTLY "k_v_idx" ON "k" USING btree ("v");',
  'CREATE UNIQUE INDEX CONCURRENTLY "kp_id_idx" ON "kp" USING btree ("id");',
  'ALTER TABLE "kp" ADD CONSTRAINT "kp_v_check" CHECK ("v" >= 0) NOT VALID;',
  'ALTER TABLE "kp" VALIDATE CONSTRAINT "kp_v_check";',
  'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "k_id_at_idx" ON "k" USING btree ("id", "at");',
  'DROP INDEX CONCURRENTLY "k_old_idx";',
].join(BREAK);

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('kill -9 of the migrator in a no-transaction migration', () => {
  it('at 10 random statements and steps: each rerun converges, no invalid index left, the migration recorded once', { timeout: 300_000 }, async () => {
    const folder = writeFolder('journal', [{ id: '0000_init', sql: INIT }, { id: '0001_concurrent', sql: CONCURRENT }]);
    const p = await createProject({
      name: 'migrator-kill',
      databaseUrl: db.url,
      files: { 'drizzle.config.ts': `export default { dialect: 'postgresql', schema: './schema.ts', out: ${JSON.stringify(folder)}, dbCredentials: { url: process.env.DATABASE_URL } };\n` },
    });
    const cli = join(REPO_ROOT, 'dist', 'esm', 'cli', 'main.js');
    const reset = () => db.sql.unsafe('DROP SCHEMA IF EXISTS drizzle CASCADE; DROP TABLE IF EXISTS "k", "kp" CASCADE;');

    /** Runs migrate; with `killAt`, SIGKILLs it when the killAt-th progress line of 0001 appears. Returns those lines. */
    const run = (killAt?: number) =>
      new Promise<{ code: number | null; signal: string | null; lines: string[] }>((resolve, reject) => {
        const child = spawn(process.execPath, [cli, 'migrate'], { cwd: p.dir, env: { ...process.env, DATABASE_URL: db.url } });
        const lines: string[] = [];
        let seen = false;
        let buffer = '';
        child.stderr.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const parts = buffer.split('\n');
          buffer = parts.pop()!;
          for (const line of parts) {
            if (line.startsWith('0001_concurrent')) seen = true;
            if (!seen) continue;
            lines.push(line);
            if (killAt !== undefined && lines.length === killAt) child.kill('SIGKILL');
          }
        });
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal, lines }));
      });

    const check = async () => {
      const invalid = await db.sql`select indexrelid::regclass::text as i from pg_index where not indisvalid`;
      const covered = await db.sql.unsafe<{ idx: string; leaves: number; indexed: number }[]>(
        `select i.idx, (select count(*)::int from pg_partition_tree('k') where isleaf) as leaves,
           (select count(*)::int from pg_partition_tree(i.idx::regclass) t join pg_index x on x.indexrelid = t.relid where t.isleaf and x.indisvalid) as indexed
         from (values ('k_v_idx'), ('k_id_at_idx')) as i(idx)`,
      );
      const [state] = await db.sql`select
          (select count(*)::int from drizzle.__drizzle_migrations) as recorded,
          (select convalidated from pg_constraint where conname = 'kp_v_check') as validated,
          to_regclass('k_old_idx') is null as dropped,
          (select indisvalid from pg_index where indexrelid = to_regclass('kp_id_idx')) as plain`;
      return { invalid: invalid.map((r) => r.i), covered: covered.map((c) => [c.idx, c.indexed === c.leaves && c.leaves === 10]), state };
    };
    const converged = { invalid: [], covered: [['k_v_idx', true], ['k_id_at_idx', true]], state: { recorded: 2, validated: true, dropped: true, plain: true } };

    try {
      await reset();
      const full = await run();
      expect(full.code, full.lines.join('\n')).toBe(0);
      expect(await check()).toEqual(converged);
      const total = full.lines.length;
      expect(total).toBeGreaterThan(15);

      const next = random(20260101);
      const kills: number[] = [];
      for (let i = 0; i < 10; i++) kills.push(1 + Math.floor(next() * (total - 2)));
      for (const killAt of kills) {
        await reset();
        const killed = await run(killAt);
        expect(killed.signal, `kill at line ${killAt}`).toBe('SIGKILL');
        const rerun = await run();
        expect(rerun.code, `rerun after a kill at line ${killAt} (${killed.lines.at(-1)}):\n${rerun.lines.join('\n')}`).toBe(0);
        expect(await check(), `after a kill at line ${killAt}: ${killed.lines.at(-1)}`).toEqual(converged);
      }
    } finally {
      await p.remove();
    }
  });
});
