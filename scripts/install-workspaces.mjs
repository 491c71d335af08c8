#!/usr/bin/env node
/**
 * Installs the side projects under workspaces/ (today: workspaces/drizzle-1, drizzle-kit
 * and drizzle-orm 1.0 for the e2e tests of drizzle-kit 1.0's folder layout) from their
 * lockfiles, so `npm test` on a fresh clone needs nothing but `npm ci` before it. A
 * workspace whose lockfile has not changed since its last install is left as it is
 * (a stamp with the lockfile's hash sits in its node_modules).
 *
 *   node scripts/install-workspaces.mjs      # npm test runs it before vitest
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKSPACES = path.join(ROOT, 'workspaces');
const STAMP = '.drizzle-partitions-lock-hash';

for (const name of readdirSync(WORKSPACES)) {
  const dir = path.join(WORKSPACES, name);
  const lock = path.join(dir, 'package-lock.json');
  if (!existsSync(lock)) continue;
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  const stamp = path.join(dir, 'node_modules', STAMP);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) continue;
  process.stderr.write(`[workspaces] npm ci in workspaces/${name} (its lockfile changed or it was never installed)\n`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write(`[workspaces] npm ci in workspaces/${name} failed (exit ${r.status ?? r.signal}); the e2e tests of that workspace cannot run\n`);
    process.exit(1);
  }
  writeFileSync(stamp, `${hash}\n`);
}
