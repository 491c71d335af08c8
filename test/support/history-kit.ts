/**
 * What the e2e history tests share: fingerprints of the migrations folder, golden
 * files, generate-or-fail, applying with both migrators, and leaf partitions.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Sql } from '../harness/db.js';
import { catalogTree } from './catalog.js';
import type { Project } from './project.js';

/** Hash of every file under `dir` (folders walked), to prove a run changed no byte. */
export async function fingerprint(project: Project, dir = 'drizzle'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const f of await project.list(d)) {
      const rel = `${d}/${f}`;
      if (!f.includes('.')) await walk(rel);
      else out[rel] = createHash('sha256').update(await project.read(rel)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

/** `drizzle-partitions generate --name <name>`, failing the test with its output when it fails. */
export async function generateOk(project: Project, name: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await project.cli(['generate', '--name', name]);
  if (r.code !== 0) throw new Error(`generate ${name} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Applies pending migrations with drizzle-kit migrate on one database and drizzle-orm's migrate() on the other. */
export async function applyBoth(project: Project, kitUrl: string, ormUrl: string): Promise<void> {
  const kit = await project.migrateWithDrizzleKit(kitUrl);
  if (kit.code !== 0) throw new Error(`drizzle-kit migrate failed:\n${kit.stdout}\n${kit.stderr}`);
  await project.migrateWithOrm(ormUrl);
}

/** Compares `sql` with the golden file `<dir>/<name>.sql` (UPDATE_GOLDEN=1, or a missing file, writes it). */
export function golden(dir: string, name: string, sql: string): void {
  const file = join(dir, `${name}.sql`);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, sql);
  }
  expect(sql).toBe(readFileSync(file, 'utf8'));
}

/** Names of the leaf partitions of `schema.table`, sorted. */
export async function leaves(sql: Sql, schemaName: string, table: string): Promise<string[]> {
  const names: string[] = [];
  const walk = (n: Awaited<ReturnType<typeof catalogTree>>) => (n.children.length === 0 ? names.push(n.name) : n.children.forEach(walk));
  walk(await catalogTree(sql, schemaName, table));
  return names.sort();
}
