/**
 * Which test files use the PostgreSQL server: those that, or a local module they import
 * (within test/), ask the harness for a database. The rest are unit tests: vitest runs
 * them in a project of their own without the server (vitest.config.ts), and the version
 * matrix leaves them out (scripts/test-matrix.mjs).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_ROOT = path.join(ROOT, 'test');
const USES_SERVER = /\buseTestDatabase\s*\(|\binject\(\s*['"]pgAdminUrl['"]|\badminUrl\s*\(\s*\)|\bstartServer\s*\(/;

/** Every `*.test.ts` under test/, absolute paths, sorted. */
export function allTestFiles(dir = TEST_ROOT) {
  /** @type {string[]} */
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) out.push(...allTestFiles(p));
    } else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

/** Whether `file` (absolute) uses the server, itself or through a module of test/ it imports. */
export function usesServer(file, seen = new Set()) {
  if (seen.has(file)) return false;
  seen.add(file);
  let src;
  try {
    src = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  if (USES_SERVER.test(src)) return true;
  for (const m of src.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2];
    const base = path.resolve(path.dirname(file), spec);
    // only the test tree: src/ is the code under test, not a sign of server use
    if (!base.startsWith(TEST_ROOT + path.sep)) continue;
    const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')];
    const target = candidates.find((c) => existsSync(c) && !c.endsWith('.js'));
    if (target && usesServer(target, seen)) return true;
  }
  return false;
}

/** Test files relative to the repository root (forward slashes), split by server use. */
export function testFilesByServerUse() {
  const rel = (f) => path.relative(ROOT, f).split(path.sep).join('/');
  const files = allTestFiles();
  return { server: files.filter((f) => usesServer(f)).map(rel), unit: files.filter((f) => !usesServer(f)).map(rel) };
}
