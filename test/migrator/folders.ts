/**
 * Migrations folders written by hand for the migrator's tests, in drizzle-kit 0.31's
 * journal layout or 1.0's folders (only what drizzle-orm's migrators read: the
 * journal and the SQL files; no snapshots).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BREAK = '\n--> statement-breakpoint\n';

export interface HandMigration {
  /** Journal tag, or folder name (`YYYYMMDDHHMMSS_name`). */
  id: string;
  sql: string;
  /** The journal's `when` (journal layout only); default 1000 × (position + 1). */
  when?: number;
}

/** A new temporary folder holding `migrations` in `layout`; call again with more to add to it. */
export function writeFolder(layout: 'journal' | 'folders', migrations: readonly HandMigration[], dir = mkdtempSync(join(tmpdir(), 'dp-migrator-'))): string {
  if (layout === 'folders') {
    for (const m of migrations) {
      mkdirSync(join(dir, m.id), { recursive: true });
      writeFileSync(join(dir, m.id, 'migration.sql'), m.sql);
    }
    return dir;
  }
  mkdirSync(join(dir, 'meta'), { recursive: true });
  const entries = migrations.map((m, idx) => ({ idx, version: '7', when: m.when ?? 1000 * (idx + 1), tag: m.id, breakpoints: true }));
  for (const m of migrations) writeFileSync(join(dir, `${m.id}.sql`), m.sql);
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  return dir;
}

/** A range-partitioned table `name` (id, at int, v int) with `leaves` partitions of 1000 keys, the last two sub-partitioned in two. */
export function partitionedTableSql(name: string, leaves: number): string[] {
  const q = (s: string) => `"${s}"`;
  const out = [`CREATE TABLE ${q(name)} ("id" bigint NOT NULL, "at" integer NOT NULL, "v" integer) PARTITION BY RANGE ("at");`];
  for (let i = 0; i < leaves; i++) {
    const p = `${name}_p${i}`;
    const sub = i >= leaves - 2;
    out.push(`CREATE TABLE ${q(p)} PARTITION OF ${q(name)} FOR VALUES FROM (${i * 1000}) TO (${(i + 1) * 1000})${sub ? ' PARTITION BY RANGE ("at")' : ''};`);
    if (sub) {
      out.push(`CREATE TABLE ${q(`${p}_a`)} PARTITION OF ${q(p)} FOR VALUES FROM (${i * 1000}) TO (${i * 1000 + 500});`);
      out.push(`CREATE TABLE ${q(`${p}_b`)} PARTITION OF ${q(p)} FOR VALUES FROM (${i * 1000 + 500}) TO (${(i + 1) * 1000});`);
    }
  }
  return out;
}
