/**
 * The post-processor's refusals that test/e2e/refusals.test.ts does not reach, each
 * made to happen on a migrations folder written by hand under the OS temp dir (no
 * drizzle-kit, no database): the error's code, a message naming the migration,
 * table or file, and a folder that is byte-for-byte what it was.
 *
 * `processFolder` is what `postprocess()` does once the config and schema are read
 * (open the layout, plan, commit the writes), so a refusal that did not throw would
 * write; a few cases go through `postprocess()` itself with a drizzle.config.ts and
 * a schema file that imports this repo's src/.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigint, pgTable, text } from 'drizzle-orm/pg-core';
import { afterEach, describe, expect, it } from 'vitest';
import { DrizzlePartitionsError, getPartitioning, hash, list, partitioned, type PartitionSpec } from '../../src/index.js';
import { partitionedTableSql } from '../../src/ddl/index.js';
import { partitionedTablesOf, rewriteStatements } from '../../src/migrations/index.js';
import { PostprocessError } from '../../src/errors.js';
import { openLayout } from '../../src/migrations/open-layout.js';
import { planPostprocess, type PostprocessPlan } from '../../src/migrations/postprocess.js';
import { postprocess } from '../../src/migrations/run.js';
import { PROCESSED_MARKER } from '../../src/migrations/sql-file.js';
import { commitWrites } from '../../src/migrations/write-files.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) {
    // a project's node_modules is a link to the repo's: remove the link only
    try {
      unlinkSync(join(d, 'node_modules'));
    } catch {
      // not a project
    }
    rmSync(d, { recursive: true, force: true });
  }
  dirs = [];
});

function tempDir(label: string): string {
  const dir = mkdtempSync(join(realpathSync(tmpdir()), `dp-refusal-${label}-`));
  dirs.push(dir);
  return dir;
}

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

// ---------------------------------------------------------------------------
// drizzle-kit 0.31's journal layout, written by hand

/** A drizzle-kit 0.31 snapshot table entry (only the keys drizzle-kit allows). */
const snapTable = (key: string) => {
  const [schema, name] = key.split('.') as [string, string];
  return { name, schema: schema === 'public' ? '' : schema, columns: {}, indexes: {}, foreignKeys: {}, compositePrimaryKeys: {}, uniqueConstraints: {}, policies: {}, checkConstraints: {}, isRLSEnabled: false };
};

interface JournalMigration {
  tag: string;
  /** The SQL file; none is written when undefined. */
  sql: string | undefined;
  /** `schema.name` of the tables in the snapshot after this migration. */
  tables: string[];
}

const id = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;

/** Writes (or rewrites) `<out>/meta/_journal.json` and the migrations' snapshots and SQL, as drizzle-kit generate would. */
function writeJournal(out: string, migrations: JournalMigration[]): void {
  const entries = migrations.map((m, idx) => ({ idx, version: '7', when: 1_767_225_600_000 + idx * 1000, tag: m.tag, breakpoints: true }));
  write(join(out, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  migrations.forEach((m, idx) => {
    const snapshot = {
      id: id(idx + 1),
      prevId: idx === 0 ? '00000000-0000-0000-0000-000000000000' : id(idx),
      version: '7',
      dialect: 'postgresql',
      tables: Object.fromEntries(m.tables.map((t) => [t, snapTable(t)])),
      enums: {},
      schemas: {},
      sequences: {},
      roles: {},
      policies: {},
      views: {},
      _meta: { columns: {}, schemas: {}, tables: {} },
    };
    write(join(out, 'meta', `${m.tag.slice(0, 4)}_snapshot.json`), JSON.stringify(snapshot, null, 2));
    if (m.sql !== undefined) write(join(out, `${m.tag}.sql`), m.sql);
  });
}

/** drizzle-kit's CREATE TABLE of the `ev` tables below. */
const CREATE_EV = 'CREATE TABLE "ev" (\n\t"id" bigint NOT NULL,\n\t"region" text NOT NULL,\n\t"kind" text NOT NULL\n);\n';
const INIT: JournalMigration = { tag: '0000_init', sql: CREATE_EV, tables: ['public.ev'] };
/** A second migration drizzle-kit wrote for another change (a new plain table). */
const NEXT: JournalMigration = { tag: '0001_next', sql: 'CREATE TABLE "other" (\n\t"id" integer\n);\n', tables: ['public.ev', 'public.other'] };

const evTable = () => pgTable('ev', { id: bigint({ mode: 'number' }).notNull(), region: text().notNull(), kind: text().notNull() });
type Table = ReturnType<typeof evTable>;

/** The table `ev` (id, region, kind), partitioned as `spec` says. */
const ev = (spec: (t: Table) => PartitionSpec<'ev'>): Table => partitioned(evTable(), spec);

/** What postprocess() does after reading config and schema: open the layout, plan, write. */
function processFolder(out: string, tables: Table[]): PostprocessPlan {
  const layout = openLayout(out, { prefix: 'index', breakpoints: true });
  const plan = planPostprocess({ layout, tables: tables.map((t) => getPartitioning(t)!), now: new Date('2026-01-02T00:00:00Z') });
  commitWrites(plan.writes);
  return plan;
}

/** Every file and folder under `dir`, files as a hash of their bytes (links, such as a project's node_modules, left out). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) continue;
      if (e.isDirectory()) {
        out[`${path}/`] = 'dir';
        walk(path);
      } else out[path] = createHash('sha256').update(readFileSync(join(dir, path))).digest('hex');
    }
  };
  walk('');
  return out;
}

/** Runs `fn`, expecting a PostprocessError `code` whose message has every `mentions`, and `dir` unchanged. */
async function refused(dir: string, code: string, mentions: string[], fn: () => unknown): Promise<PostprocessError> {
  const before = tree(dir);
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'must be refused').toBeInstanceOf(PostprocessError);
  const e = error as PostprocessError;
  expect(e.code).toBe(code);
  expect(e.message).toContain(`[${code}]`);
  for (const m of mentions) expect(e.message).toContain(m);
  expect(tree(dir), 'nothing written').toEqual(before);
  return e;
}

/** A migrations folder holding 0000_init, processed for `v1`, then drizzle-kit's 0001_next, not yet processed. */
function processedThenNext(v1: Table): string {
  const out = join(tempDir('journal'), 'drizzle');
  writeJournal(out, [INIT]);
  const plan = processFolder(out, [v1]);
  expect(plan.report.map((r) => [r.id, r.action])).toEqual([['0000_init', 'rewritten']]);
  expect(readFileSync(join(out, '0000_init.sql'), 'utf8').startsWith(PROCESSED_MARKER)).toBe(true);
  writeJournal(out, [INIT, NEXT]);
  return out;
}

const V1 = () => ev((t) => list(t.region, { partitions: [{ values: ['eu'] }, { values: ['us'] }] }));

describe('changes to existing partitions that are refused', () => {
  it('SUBPARTITION_CHANGED: an existing partition gets sub-partitioned', async () => {
    const out = processedThenNext(V1());
    const v2 = ev((t) => list(t.region, { partitions: [{ values: ['eu'], partitionBy: hash(t.id, { partitions: 2 }) }, { values: ['us'] }] }));
    const e = await refused(out, 'SUBPARTITION_CHANGED', ['0001_next', 'partition "ev_eu" of "public.ev"', 'from none to PARTITION BY HASH ("id")'], () => processFolder(out, [v2]));
    expect(e.where).toBe('0001_next');
  });

  it('SUBPARTITION_CHANGED: a sub-partitioned partition changes its sub-partition key', async () => {
    const v1 = ev((t) => list(t.region, { partitions: [{ values: ['eu'], partitionBy: hash(t.id, { partitions: 2 }) }] }));
    const out = processedThenNext(v1);
    const v2 = ev((t) => list(t.region, { partitions: [{ values: ['eu'], partitionBy: list(t.kind, { partitions: [{ values: ['a'] }] }) }] }));
    await refused(out, 'SUBPARTITION_CHANGED', ['0001_next', '"ev_eu" of "public.ev"', 'PARTITION BY HASH ("id")', 'PARTITION BY LIST ("kind")'], () => processFolder(out, [v2]));
  });

  it('TABLESPACE_CHANGED: an existing partition moves to another tablespace', async () => {
    const out = processedThenNext(V1());
    const v2 = ev((t) => list(t.region, { partitions: [{ values: ['eu'], tablespace: 'cold' }, { values: ['us'] }] }));
    await refused(out, 'TABLESPACE_CHANGED', ['0001_next', 'partition "ev_eu" of "public.ev"', 'from tablespace (default) to cold'], () => processFolder(out, [v2]));
  });

  it('TABLESPACE_CHANGED: the default partition leaves its tablespace', async () => {
    const v1 = ev((t) => list(t.region, { partitions: [{ values: ['eu'] }], default: { tablespace: 'cold' } }));
    const out = processedThenNext(v1);
    const v2 = ev((t) => list(t.region, { partitions: [{ values: ['eu'] }] }));
    await refused(out, 'TABLESPACE_CHANGED', ['0001_next', '"ev_default" of "public.ev"', 'from tablespace cold to (default)'], () => processFolder(out, [v2]));
  });

  it('a name given back: a removed partition\'s name on a new bound of the same level pairs by name, and is refused as a changed bound', async () => {
    // Within one level a name given back pairs with the old partition (matched by name first);
    // NAME_REUSED is what another level, or another table, gets (below).
    const out = processedThenNext(V1());
    const v2 = ev((t) => list(t.region, { partitions: [{ values: ['eu'] }, { name: 'ev_us', values: ['ca'] }] }));
    await refused(out, 'BOUND_CHANGED', ['0001_next', '"ev_us"', 'public.ev'], () => processFolder(out, [v2]));
  });

  it('NAME_REUSED: a detached partition\'s name given to a new partition one level down (top-level "ev_us" removed, "ev_us" declared under "ev_eu")', async () => {
    const v1 = ev((t) => list(t.region, { partitions: [{ values: ['eu'], partitionBy: list(t.kind, { partitions: [{ values: ['a'] }] }) }, { values: ['us'] }] }));
    const out = processedThenNext(v1);
    const v2 = ev((t) => list(t.region, { partitions: [{ values: ['eu'], partitionBy: list(t.kind, { partitions: [{ values: ['a'] }, { name: 'ev_us', values: ['b'] }] }) }] }));
    await refused(out, 'NAME_REUSED', ['0001_next', 'partition "ev_us" of "public.ev"', 'detached from "public.ev"', 'stays as a table'], () => processFolder(out, [v2]));
  });
});

describe('migrations the post-processor cannot rewrite', () => {
  it('CREATE_TABLE_UNRECOGNISED: a CREATE TABLE of a partitioned table not shaped as drizzle-kit writes it', async () => {
    const out = join(tempDir('create'), 'drizzle');
    writeJournal(out, [{ ...INIT, sql: 'CREATE TABLE "ev" ("id" bigint NOT NULL, "region" text NOT NULL, "kind" text NOT NULL);\n' }]);
    await refused(out, 'CREATE_TABLE_UNRECOGNISED', ['0000_init', '"public.ev"', 'PARTITION BY cannot be added'], () => processFolder(out, [V1()]));
  });

  it('CREATE_TABLE_UNRECOGNISED: rewriteStatements on a statement without its ";"', () => {
    const p = getPartitioning(V1())!;
    const statement = 'CREATE TABLE "ev" (\n\t"id" bigint NOT NULL\n)';
    for (const run of [() => partitionedTableSql(statement, p), () => rewriteStatements([statement], partitionedTablesOf({ ev: V1() }))]) {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DrizzlePartitionsError);
      expect((error as DrizzlePartitionsError).code).toBe('CREATE_TABLE_UNRECOGNISED');
      expect((error as Error).message).toContain('"public.ev"');
    }
  });
});

describe('damaged migration files', () => {
  const journalOf = (out: string) => join(out, 'meta', '_journal.json');

  it.each([
    ['not JSON', '{ "version": "7", "dialect": "postgresql", "entries": [', 'cannot be read as JSON'],
    ['no entries array', JSON.stringify({ version: '7', dialect: 'postgresql' }), 'has no entries array'],
    ['another dialect', JSON.stringify({ version: '7', dialect: 'mysql', entries: [] }), 'dialect "mysql"'],
    ['an entry without a tag', JSON.stringify({ version: '7', dialect: 'postgresql', entries: [{ idx: 0, version: '7', when: 1, breakpoints: true }] }), 'an entry without a tag'],
  ])('JOURNAL_MALFORMED: %s', async (_what, journal, says) => {
    const out = processedThenNext(V1());
    write(journalOf(out), journal);
    const e = await refused(out, 'JOURNAL_MALFORMED', [journalOf(out), says], () => processFolder(out, [V1()]));
    expect(e.where).toBe(journalOf(out));
  });

  it.each([
    ['not JSON', '{"version": 1, "tables": [', 'is not JSON'],
    ['not a state file', JSON.stringify({ tables: [] }), 'is not a drizzle-partitions state file'],
    ['written by a newer version', JSON.stringify({ version: 99, tables: [] }), 'state version 99'],
    ['a malformed table entry', JSON.stringify({ version: 1, tables: [{ name: 'ev', partitionBy: 'PARTITION BY LIST ("region")' }] }), 'malformed table entry'],
  ])('STATE_MALFORMED: the latest state file is %s', async (_what, state, says) => {
    const out = processedThenNext(V1());
    const statePath = join(out, 'meta', '_partitions', '0000_init.json');
    write(statePath, state);
    const e = await refused(out, 'STATE_MALFORMED', [statePath, says], () => processFolder(out, [V1()]));
    expect(e.where).toBe(statePath);
  });

  it('MIGRATION_FILE_MISSING: a journal entry whose SQL file is gone', async () => {
    const out = processedThenNext(V1());
    rmSync(join(out, '0001_next.sql'));
    const e = await refused(out, 'MIGRATION_FILE_MISSING', ['migration 0001_next', join(out, '0001_next.sql')], () => processFolder(out, [V1()]));
    expect(e.where).toBe(join(out, '0001_next.sql'));
  });

  it('MIGRATION_FILE_MISSING: a drizzle-kit 1.0 migration folder without migration.sql', async () => {
    const out = join(tempDir('folders'), 'drizzle');
    const folder = '20260101000000_init';
    write(join(out, folder, 'snapshot.json'), JSON.stringify({ type: 'base', version: '9', dialect: 'postgres', id: id(1), prevIds: ['00000000-0000-0000-0000-000000000000'], footprints: [], ddl: [{ entityType: 'tables', schema: 'public', name: 'ev', isRlsEnabled: false }] }));
    await refused(out, 'MIGRATION_FILE_MISSING', [`migration ${folder}`, join(out, folder, 'migration.sql')], () => processFolder(out, [V1()]));
  });
});

describe('no migrations yet', () => {
  it('NO_MIGRATIONS: a partitioned table and a journal without entries', async () => {
    const out = join(tempDir('empty-journal'), 'drizzle');
    writeJournal(out, []);
    const e = await refused(out, 'NO_MIGRATIONS', [out, 'holds no migration yet'], () => processFolder(out, [V1()]));
    expect(e.where).toBe(out);
  });

  it('NO_MIGRATIONS: a migrations folder with neither a journal nor migration folders', async () => {
    const out = join(tempDir('empty'), 'drizzle');
    mkdirSync(out);
    write(join(out, 'README.md'), 'migrations go here\n');
    await refused(out, 'NO_MIGRATIONS', [out, 'holds no drizzle-kit migrations'], () => processFolder(out, [V1()]));
  });

  it('a journal without entries and no partitioned table: nothing to do, nothing written', () => {
    const out = join(tempDir('empty-plain'), 'drizzle');
    writeJournal(out, []);
    const before = tree(out);
    expect(processFolder(out, []).writes).toEqual([]);
    expect(tree(out)).toEqual(before);
  });
});

describe('through postprocess(), from a drizzle.config.ts and a schema file', () => {
  /** A project: drizzle.config.ts, schema.ts (importing this repo's src/), node_modules linked to the repo's. */
  function project(): string {
    const dir = tempDir('project');
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    write(join(dir, 'drizzle.config.ts'), `export default { dialect: 'postgresql', schema: './schema.ts', out: './drizzle' };\n`);
    write(
      join(dir, 'schema.ts'),
      `import { bigint, text } from 'drizzle-orm/pg-core';
import { list, pgPartitionedTable } from ${JSON.stringify(join(REPO, 'src', 'index.ts'))};

export const ev = pgPartitionedTable(
  'ev',
  { id: bigint({ mode: 'number' }).notNull(), region: text().notNull(), kind: text().notNull() },
  (t) => list(t.region, { partitions: [{ values: ['eu'] }, { values: ['us'] }] }),
);
`,
    );
    return dir;
  }

  it('NO_MIGRATIONS: the config\'s out folder is empty', async () => {
    const dir = project();
    mkdirSync(join(dir, 'drizzle'));
    await refused(dir, 'NO_MIGRATIONS', [join(dir, 'drizzle')], () => postprocess({ cwd: dir }));
  });

  it('STATE_MALFORMED and MIGRATION_FILE_MISSING name the file; once repaired, the same folder is processed', async () => {
    const dir = project();
    const out = join(dir, 'drizzle');
    writeJournal(out, [INIT]);
    const first = await postprocess({ cwd: dir });
    expect(first.report.map((r) => [r.id, r.action])).toEqual([['0000_init', 'rewritten']]);
    writeJournal(out, [INIT, { ...NEXT, sql: undefined }]);
    await refused(dir, 'MIGRATION_FILE_MISSING', ['0001_next', join(out, '0001_next.sql')], () => postprocess({ cwd: dir }));
    write(join(out, '0001_next.sql'), NEXT.sql!);
    const statePath = join(out, 'meta', '_partitions', '0000_init.json');
    const state = readFileSync(statePath, 'utf8');
    write(statePath, state.slice(0, 40));
    await refused(dir, 'STATE_MALFORMED', [statePath, 'is not JSON'], () => postprocess({ cwd: dir }));
    write(statePath, state);
    const second = await postprocess({ cwd: dir });
    expect(second.report.map((r) => [r.id, r.action])).toEqual([['0001_next', 'recorded']]);
  });
});
