/**
 * Issue 10: recorded partitioning states are compared with the schema by value, not as
 * the text this package happened to render. A state whose clauses are rendered another
 * way (a timestamptz without `+00` or in ISO 8601, `1.50` for `1.5`, lower-case
 * keywords, unquoted names, a list in another order) diffs to nothing against the same
 * schema; a real change is still refused. A state file written by drizzle-partitions
 * 0.1.0 (fixtures/state-v1.json) still parses and diffs to nothing.
 *
 * Unit tests: migrations folders written by hand under the OS temp dir, no drizzle-kit,
 * no database.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bigint, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { afterEach, describe, expect, it } from 'vitest';
import { getPartitioning, list, partitioned, range, type PartitionSpec } from '../../src/index.js';
import { boundClause } from '../../src/bound/literals.js';
import { diffMigration, type CurrentTable } from '../../src/migrations/diff.js';
import { PostprocessError } from '../../src/errors.js';
import { openLayout } from '../../src/migrations/open-layout.js';
import { planPostprocess, type PostprocessPlan } from '../../src/migrations/postprocess.js';
import { PROCESSED_MARKER } from '../../src/migrations/sql-file.js';
import {
  migrationState,
  parseState,
  readRecordedBound,
  recordedBoundIs,
  sameClause,
  sameState,
  serializeState,
  tableKey,
  tableState,
  type MigrationState,
  type PartitionState,
} from '../../src/migrations/state.js';
import { commitWrites } from '../../src/migrations/write-files.js';
import { boundsEqual } from '../../src/bound/values.js';
import type { DeclaredPartition, PartitionLevel, Partitioning } from '../../src/schema/resolved.js';
import { thrown } from '../support/errors.js';
import { FIXTURE_RENDER, fixtureSchema } from '../support/state-fixture-schema.js';

const FIXTURE = readFileSync(join(import.meta.dirname, 'fixtures', 'state-v1.json'), 'utf8');

// ---------------------------------------------------------------------------
// helpers

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** Every file under `dir` as a hash of its bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path);
      else out[path] = createHash('sha256').update(readFileSync(join(dir, path))).digest('hex');
    }
  };
  walk('');
  return out;
}

interface JournalMigration {
  tag: string;
  sql: string;
  /** `schema.name` of the tables in the snapshot after this migration. */
  tables: string[];
}

/** drizzle-kit 0.31's journal layout, as generate writes it (only what the post-processor reads). */
function writeJournal(out: string, migrations: JournalMigration[]): void {
  const id = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;
  const entries = migrations.map((m, idx) => ({ idx, version: '7', when: 1_767_225_600_000 + idx * 1000, tag: m.tag, breakpoints: true }));
  write(join(out, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  migrations.forEach((m, idx) => {
    const tables = Object.fromEntries(
      m.tables.map((key) => {
        const [schema, name] = key.split('.') as [string, string];
        return [key, { name, schema: schema === 'public' ? '' : schema, columns: {}, indexes: {}, foreignKeys: {}, compositePrimaryKeys: {}, uniqueConstraints: {}, policies: {}, checkConstraints: {}, isRLSEnabled: false }];
      }),
    );
    const snapshot = { id: id(idx + 1), prevId: idx === 0 ? '00000000-0000-0000-0000-000000000000' : id(idx), version: '7', dialect: 'postgresql', tables, enums: {}, schemas: {}, sequences: {}, roles: {}, policies: {}, views: {}, _meta: { columns: {}, schemas: {}, tables: {} } };
    write(join(out, 'meta', `${m.tag.slice(0, 4)}_snapshot.json`), JSON.stringify(snapshot, null, 2));
    write(join(out, `${m.tag}.sql`), m.sql);
  });
}

/** drizzle-kit's CREATE TABLE of a table (columns do not matter to the post-processor). */
const createTable = (key: string) => {
  const [schema, name] = key.split('.') as [string, string];
  return `CREATE TABLE ${schema === 'public' ? '' : `"${schema}".`}"${name}" (\n\t"id" integer NOT NULL\n);\n`;
};
const init = (tables: string[]): JournalMigration => ({ tag: '0000_init', sql: tables.map(createTable).join('--> statement-breakpoint\n'), tables });
/** A later migration drizzle-kit wrote for another change (a new plain table). */
const next = (tables: string[]): JournalMigration => ({ tag: '0001_next', sql: 'CREATE TABLE "other" (\n\t"id" integer\n);\n', tables: [...tables, 'public.other'] });

function tempOut(label: string): string {
  const dir = mkdtempSync(join(realpathSync(tmpdir()), `dp-state-${label}-`));
  dirs.push(dir);
  return join(dir, 'drizzle');
}

/** What postprocess() does after reading config and schema: open the layout, plan, write. */
function processFolder(out: string, tables: readonly Partitioning[], render = {}): PostprocessPlan {
  const plan = planPostprocess({ layout: openLayout(out, { prefix: 'index', breakpoints: true }), tables, render, now: new Date('2026-01-02T00:00:00Z') });
  commitWrites(plan.writes);
  return plan;
}

const statePath = (out: string, tag: string) => join(out, 'meta', '_partitions', `${tag}.json`);

/** Expects `fn` to be refused with `code` (its message naming every `mentions`) and `out` left byte for byte. */
function refused(out: string, code: string, mentions: string[], fn: () => unknown): void {
  const before = tree(out);
  const error = thrown(fn);
  expect(error).toBeInstanceOf(PostprocessError);
  expect(error.code).toBe(code);
  for (const m of mentions) expect(error.message).toContain(m);
  expect(tree(out), 'nothing written').toEqual(before);
}

/** Applies `f` to the parts of `sql` outside quoted strings and identifiers. */
function outsideQuotes(sql: string, f: (s: string) => string): string {
  return sql
    .split(/(E?'(?:[^']|'')*'|"(?:[^"]|"")*")/)
    .map((part, i) => (i % 2 === 0 ? f(part) : part))
    .join('');
}

/**
 * The same bound, rendered another way: timestamps in ISO 8601 (`T`, `Z`, no `+00`),
 * numbers with a trailing zero, keywords in lower case, other spacing, a backslash
 * string as a standard-conforming literal, uuids in upper case.
 */
function rerenderBound(bound: string): string {
  let s = bound
    .replace(/'(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)\+00'/g, "'$1T$2Z'")
    .replace(/'(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})'/g, "'$1T$2'")
    .replace(/'(\d{4}-\d{2}-\d{2})'/g, "'$1'::date")
    .replace(/'([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'/g, (_, u: string) => `'${u.toUpperCase()}'`)
    .replace(/E'((?:[^']|'')*)'/g, (_, body: string) => `'${body.replace(/\\\\/g, '\\')}'`);
  s = outsideQuotes(s, (part) =>
    part
      .toLowerCase()
      .replace(/(?<![\w.])(-?\d+\.\d+)(?![\w.])/g, '$10')
      .replace(/\(/g, '( ')
      .replace(/, /g, ' ,'),
  );
  return s;
}

/** A `PARTITION BY` clause rendered another way: lower case, names unquoted, other spacing. */
function rerenderPartitionBy(clause: string): string {
  return outsideQuotes(clause.replace(/"([a-z_][a-z0-9_]*)"/g, '$1'), (part) => part.toLowerCase().replace(/ \(/g, '(').replace(/, /g, ','));
}

function rerenderPartitions(list: readonly PartitionState[]): PartitionState[] {
  return list.map((p) => ({
    ...p,
    bound: rerenderBound(p.bound),
    ...(p.partitionBy !== undefined ? { partitionBy: rerenderPartitionBy(p.partitionBy) } : {}),
    ...(p.partitions ? { partitions: rerenderPartitions(p.partitions) } : {}),
  }));
}

/** A state with every clause rendered another way. */
function rerender(state: MigrationState): MigrationState {
  return { ...state, tables: state.tables.map((t) => ({ ...t, partitionBy: rerenderPartitionBy(t.partitionBy), partitions: rerenderPartitions(t.partitions) })) };
}

/** Every clause of `a` and `b` side by side (same shape), to check that a re-rendering changed them all. */
function clausePairs(a: MigrationState, b: MigrationState): [string, string][] {
  const out: [string, string][] = [];
  const walk = (x: readonly PartitionState[], y: readonly PartitionState[]) =>
    x.forEach((p, i) => {
      const q = y[i]!;
      out.push([p.bound, q.bound]);
      if (p.partitionBy !== undefined) out.push([p.partitionBy, q.partitionBy!]);
      walk(p.partitions ?? [], q.partitions ?? []);
    });
  a.tables.forEach((t, i) => {
    out.push([t.partitionBy, b.tables[i]!.partitionBy]);
    walk(t.partitions, b.tables[i]!.partitions);
  });
  return out;
}

function parsed(text: string): MigrationState {
  const s = parseState(text);
  if (typeof s === 'string') throw new Error(s);
  return s;
}

const EMPTY_FILE = { created: [], dropped: [], renamed: [], moved: [], renamedColumns: [], concurrentIndexes: [], addedConstraints: [] };

/** Diffs a recorded state against `tables` for a migration that touches no table. */
function diffAgainst(prev: MigrationState, tables: readonly Partitioning[]) {
  const current = new Map<string, CurrentTable>(tables.map((p) => [tableKey(p.table), { partitioning: p, state: tableState(p, FIXTURE_RENDER) }]));
  return diffMigration({ migration: '0001_next', prev: new Map(prev.tables.map((t) => [tableKey(t), t])), current, file: EMPTY_FILE, tablesBefore: new Set(current.keys()), opts: FIXTURE_RENDER });
}

/** Every declared partition of the fixture schema by name, with the level (keys) it is declared at. */
function fixturePartitions(): Map<string, { level: PartitionLevel; partition: DeclaredPartition }> {
  const out = new Map<string, { level: PartitionLevel; partition: DeclaredPartition }>();
  const walk = (level: PartitionLevel) => {
    for (const partition of level.partitions) {
      out.set(partition.name, { level, partition });
      if (partition.partitionBy) walk(partition.partitionBy);
    }
  };
  for (const p of fixtureSchema()) walk(p);
  return out;
}

// ---------------------------------------------------------------------------

describe('a recorded bound is compared with the schema by value', () => {
  const parts = fixturePartitions();

  it('every bound this version renders reads back as the value it was rendered from', () => {
    expect(parts.size).toBe(31);
    for (const [name, { level, partition }] of parts) {
      const text = boundClause(partition.bound);
      const back = readRecordedBound(text, level.keys);
      expect(back, `${name}: ${text}`).toBeDefined();
      expect(boundsEqual(back!, partition.bound), `${name}: ${text}`).toBe(true);
      expect(recordedBoundIs(text, partition.bound, level.keys), name).toBe(true);
    }
  });

  it.each([
    ['events_old', "FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00')", 'the +00 left out'],
    ['events_p20260101', "FOR VALUES FROM ('2026-01-01T00:00:00Z') TO ('2026-02-01T00:00:00Z')", 'ISO 8601'],
    ['events_p20260101', "for values from ('2026-01-01 01:00:00+01') to ('2026-01-31 19:00:00-05')", 'other offsets, lower case'],
    ['events_p20260101', "FOR VALUES FROM ('2026-01-01 00:00:00+00:00'::timestamp with time zone) TO ('2026-02-01'::timestamptz)", 'casts, a date for midnight'],
    ['events_p20260201', "FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-02-01 12:30:00.250000+00')", 'microseconds'],
    ['events_p20260101_h2_1', 'FOR VALUES WITH (modulus 2, remainder 1)', 'hash in lower case'],
    ['events_default', 'default', 'default in lower case'],
    ['prices_a', 'FOR VALUES IN (1.50, 2.0)', 'trailing zeros'],
    ['prices_a', "FOR VALUES IN ('2', '1.5')", 'quoted numbers in another order'],
    ['prices_b', "FOR VALUES IN ('-3.250')", 'negative, quoted as PostgreSQL prints it'],
    ['notes_q', "FOR VALUES IN ('a\\b', 'o''brien')", 'a standard-conforming backslash string, other order'],
    ['notes_eu', "FOR VALUES IN (NULL, 'uk', 'eu')", 'NULL first'],
    ['notes_eu_low', "FOR VALUES IN ('ok'::mood, 'sad'::mood)", 'enum labels with casts'],
    ['readings_a', "FOR VALUES FROM ('2026-01-01'::date, MINVALUE) TO ('2026-01-01', '1000')", 'date cast, quoted bigint'],
    ['readings_a_am', "FOR VALUES FROM ('2026-01-01T00:00:00') TO ('2026-01-01 06:00')", 'timestamp without seconds'],
    ['flags_on', 'FOR VALUES IN (true)', 'boolean in lower case'],
    ['flags_on_x', "FOR VALUES IN ('6F9619FF8B86D011B42D00C04FC964FF')", 'uuid in upper case without dashes'],
    ['flags_off_s', "FOR VALUES FROM ('-5') TO (+5)", 'quoted negative smallint, a plus sign'],
    ['logs_d1_r', "FOR VALUES FROM ('-1.5') TO ('1e+03')", 'real in exponent form'],
  ])('%s: %s (%s) is the same bound', (name, text) => {
    const { level, partition } = parts.get(name)!;
    expect(recordedBoundIs(text, partition.bound, level.keys)).toBe(true);
  });

  it.each([
    ['events_old', "FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00-01')", 'an hour later'],
    ['events_p20260101', "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00.000001+00')", 'a microsecond later'],
    ['events_p20260101', "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO (MAXVALUE)", 'open ended'],
    ['events_p20260101_h2_1', 'FOR VALUES WITH (MODULUS 2, REMAINDER 0)', 'another remainder'],
    ['events_default', 'FOR VALUES FROM (MINVALUE) TO (MAXVALUE)', 'a range instead of the default'],
    ['prices_a', 'FOR VALUES IN (1.51, 2)', 'another number'],
    ['prices_a', 'FOR VALUES IN (1.5)', 'a value fewer'],
    ['prices_a', 'FOR VALUES IN (1.5, 2, 3)', 'a value more'],
    ['notes_q', "FOR VALUES IN ('o''brien', 'a\\\\b')", 'two backslashes'],
    ['notes_q', "FOR VALUES IN ('O''Brien', E'a\\\\b')", 'another case'],
    ['notes_eu', "FOR VALUES IN ('eu', 'uk')", 'NULL left out'],
    ['notes_eu_low', "FOR VALUES IN ('sad', 'happy')", 'another label'],
    ['readings_b', "FOR VALUES FROM ('2026-01-01', 1001) TO (MAXVALUE, MAXVALUE)", 'second column'],
    ['readings_a_am', "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-01-01 06:00:00+00')", 'an offset on a timestamp key (unreadable: compared as text)'],
    ['flags_on', 'FOR VALUES IN (FALSE)', 'false'],
    ['flags_on', 'FOR VALUES IN (', 'not a bound at all'],
  ])('%s: %s (%s) is another bound', (name, text) => {
    const { level, partition } = parts.get(name)!;
    expect(recordedBoundIs(text, partition.bound, level.keys)).toBe(false);
  });

  it('PARTITION BY clauses compare token by token: spacing, case and needless quotes do not count', () => {
    expect(sameClause('PARTITION BY RANGE ("created_at")', 'partition by range (created_at)')).toBe(true);
    expect(sameClause('PARTITION BY HASH ("a", "b")', 'PARTITION BY HASH(a,b)')).toBe(true);
    expect(sameClause(`PARTITION BY RANGE ((date_trunc('day', "at")))`, `partition by range ( ( DATE_TRUNC( 'day' , at ) ) )`)).toBe(true);
    expect(sameClause('PARTITION BY LIST ("a\\"b")', 'PARTITION BY LIST ("a\\"b")')).toBe(true);
    expect(sameClause('PARTITION BY RANGE ("created_at")', 'PARTITION BY LIST ("created_at")')).toBe(false);
    expect(sameClause('PARTITION BY RANGE ("created_at")', 'PARTITION BY RANGE ("updated_at")')).toBe(false);
    expect(sameClause('PARTITION BY RANGE ("Created")', 'PARTITION BY RANGE (created)')).toBe(false);
    expect(sameClause('PARTITION BY HASH ("a", "b")', 'PARTITION BY HASH ("b", "a")')).toBe(false);
    expect(sameClause(`PARTITION BY RANGE ((date_trunc('day', "at")))`, `PARTITION BY RANGE ((date_trunc('DAY', "at")))`)).toBe(false);
    // string literals by value: E'' escapes decoded, octal/hex/Unicode ones kept as written
    expect(sameClause(`PARTITION BY LIST ((kind || E'a\\\\b'))`, `PARTITION BY LIST ((kind || 'a\\b'))`)).toBe(true);
    expect(sameClause(`PARTITION BY LIST ((kind || E'a\\nb'))`, `PARTITION BY LIST ((kind || 'a\\nb'))`)).toBe(false);
    expect(sameClause(`PARTITION BY LIST ((kind || E'\\101'))`, `PARTITION BY LIST ((kind || 'A'))`)).toBe(false);
    // PostgreSQL folds ASCII letters only
    expect(sameClause('PARTITION BY LIST (Éa)', 'PARTITION BY LIST (éa)')).toBe(false);
    expect(sameClause('PARTITION BY RANGE ("a', 'PARTITION BY RANGE ("a')).toBe(true);
    expect(sameClause('PARTITION BY RANGE ("a', 'PARTITION BY RANGE (a')).toBe(false);
  });
});

describe('a state file written by drizzle-partitions 0.1.0 (state version 1)', () => {
  it('this version writes a state that parses back to itself and diffs to nothing', () => {
    const written = migrationState(fixtureSchema().map((p) => tableState(p, FIXTURE_RENDER)));
    expect(parsed(serializeState(written))).toEqual(written);
    expect(diffAgainst(written, fixtureSchema()).notes).toEqual([]);
  });

  it('parses, and diffs to nothing against the schema it was written for', () => {
    const state = parsed(FIXTURE);
    expect(state.version).toBe(1);
    expect(state.tables.map(tableKey)).toEqual(['app.prices', 'public.events', 'public.flags', 'public.logs', 'public.notes', 'public.readings']);
    const diff = diffAgainst(state, fixtureSchema());
    expect(diff.trailing).toEqual([]);
    expect(diff.notes).toEqual([]);
  });

  it('as the latest state of a migrations folder: the post-processor writes nothing', () => {
    const out = tempOut('fixture');
    const keys = parsed(FIXTURE).tables.map(tableKey);
    writeJournal(out, [{ ...init(keys), sql: `${PROCESSED_MARKER}\n${init(keys).sql}` }]);
    write(statePath(out, '0000_init'), FIXTURE);
    const before = tree(out);
    const plan = processFolder(out, fixtureSchema(), FIXTURE_RENDER);
    expect(plan.writes).toEqual([]);
    expect(plan.report).toEqual([]);
    expect(tree(out)).toEqual(before);
  });

  it('rendered another way throughout, it still diffs to nothing', () => {
    const original = parsed(FIXTURE);
    const other = rerender(original);
    // every clause really is written differently, so nothing below compares equal text
    for (const [a, b] of clausePairs(original, other)) expect(b, a).not.toBe(a);
    expect(sameState(original, other)).toBe(false);
    expect(parseState(serializeState(other))).toEqual(other);
    const diff = diffAgainst(other, fixtureSchema());
    expect(diff.trailing).toEqual([]);
    expect(diff.notes).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Through the post-processor: a folder processed today, its state re-rendered

const evTable = () => pgTable('ev', { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull() });
const pxTable = () => pgTable('px', { price: numeric().notNull(), region: text().notNull() });
const TABLES = ['public.ev', 'public.px'];

interface Variant {
  janTo?: string;
  febName?: string;
  pxName?: string;
  pxValues?: (string | number)[];
  pxKey?: 'price' | 'region';
  withDefault?: boolean;
  onPartitionRemoved?: 'detach' | 'drop';
}

/** `ev`, range on a timestamptz, and `px`, list on a numeric, as `v` says. */
function schema(v: Variant = {}): Partitioning[] {
  const ev = partitioned(evTable(), (t) =>
    range(t.at, {
      partitions: [
        { from: '2026-01-01', to: v.janTo ?? '2026-02-01', name: 'ev_jan' },
        { from: '2026-02-01', to: '2026-03-01', name: v.febName ?? 'ev_feb' },
      ],
      default: v.withDefault !== false,
      ...(v.onPartitionRemoved ? { onPartitionRemoved: v.onPartitionRemoved } : {}),
    }),
  );
  const px = partitioned(pxTable(), (t) =>
    (v.pxKey === 'region'
      ? list(t.region, { partitions: [{ values: ['eu'], name: 'px_a' }] })
      : list(t.price, { partitions: [{ values: v.pxValues ?? ['1.50', 2], name: v.pxName ?? 'px_a' }] })) as PartitionSpec<'px'>,
  );
  return [getPartitioning(ev)!, getPartitioning(px)!];
}

/**
 * 0000_init processed for the base schema today, its state file then rewritten as
 * another version might have rendered it, and drizzle-kit's 0001_next not yet processed.
 */
function processedAndRerendered(): string {
  const out = tempOut('rerendered');
  writeJournal(out, [init(TABLES)]);
  const plan = processFolder(out, schema());
  expect(plan.report.map((r) => [r.id, r.action])).toEqual([['0000_init', 'rewritten']]);
  const today = readFileSync(statePath(out, '0000_init'), 'utf8');
  expect(today).toContain("FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00')");
  expect(today).toContain('FOR VALUES IN (1.5, 2)');
  const other = serializeState(rerender(parsed(today)));
  expect(other).toContain("for values from ( '2026-01-01T00:00:00Z') to ( '2026-02-01T00:00:00Z')");
  expect(other).toContain('for values in ( 1.50 ,2)');
  expect(other).toContain('partition by range(at)');
  write(statePath(out, '0000_init'), other);
  return out;
}

describe('the post-processor on a state rendered another way', () => {
  it('the same schema: no migration is written, and the next migration is only recorded', () => {
    const out = processedAndRerendered();
    const before = tree(out);
    expect(processFolder(out, schema()).writes).toEqual([]);
    expect(tree(out)).toEqual(before);

    writeJournal(out, [init(TABLES), next(TABLES)]);
    const sqlBefore = readFileSync(join(out, '0001_next.sql'), 'utf8');
    const plan = processFolder(out, schema());
    expect(plan.report).toEqual([{ id: '0001_next', action: 'recorded', notes: [] }]);
    expect(plan.writes.map((w) => w.path)).toEqual([statePath(out, '0001_next')]);
    expect(readFileSync(join(out, '0001_next.sql'), 'utf8')).toBe(sqlBefore);
    // the new state is written as this version renders it, and says the same
    const now = parsed(readFileSync(statePath(out, '0001_next'), 'utf8'));
    expect(now).toEqual(migrationState(schema().map((p) => tableState(p))));
  });

  it('a real bound change is still refused with BOUND_CHANGED', () => {
    const out = processedAndRerendered();
    writeJournal(out, [init(TABLES), next(TABLES)]);
    refused(out, 'BOUND_CHANGED', ['0001_next', 'partition "ev_jan" of "public.ev"', "TO ('2026-01-31 00:00:00+00')"], () => processFolder(out, schema({ janTo: '2026-01-31' })));
    refused(out, 'BOUND_CHANGED', ['0001_next', 'partition "px_a" of "public.px"', 'FOR VALUES IN (1.5, 3)'], () => processFolder(out, schema({ pxValues: ['1.50', 3] })));
  });

  it('with no other migration, a real bound change is refused too', () => {
    const out = processedAndRerendered();
    refused(out, 'BOUND_CHANGED', ['"ev_jan"'], () => processFolder(out, schema({ janTo: '2026-01-31' })));
  });

  it('a partition renamed with its bound unchanged (by value) is renamed, not detached and created', () => {
    const out = processedAndRerendered();
    const plan = processFolder(out, schema({ febName: 'ev_february', pxName: 'px_low', pxValues: [2, '1.5'] }));
    expect(plan.report.map((r) => [r.id, r.action])).toEqual([['0001_partitions', 'created']]);
    const sql = readFileSync(join(out, '0001_partitions.sql'), 'utf8');
    expect(sql).toContain('ALTER TABLE "ev_feb" RENAME TO "ev_february";');
    expect(sql).toContain('ALTER TABLE "px_a" RENAME TO "px_low";');
    expect(sql).not.toContain('DETACH');
    expect(sql).not.toContain('CREATE TABLE');
  });

  it('a removed default partition recorded as "default" is detached, never dropped', () => {
    const out = processedAndRerendered();
    const plan = processFolder(out, schema({ withDefault: false, febName: 'ev_february', onPartitionRemoved: 'drop' }));
    expect(plan.report.map((r) => [r.id, r.action])).toEqual([['0001_partitions', 'created']]);
    const sql = readFileSync(join(out, '0001_partitions.sql'), 'utf8');
    expect(sql).toContain('ALTER TABLE "ev" DETACH PARTITION "ev_default";');
    expect(sql).not.toContain('DROP TABLE "ev_default"');
    expect(sql).toContain('ALTER TABLE "ev_feb" RENAME TO "ev_february";');
  });

  it('a changed partition key is still refused with KEY_CHANGED', () => {
    const out = processedAndRerendered();
    writeJournal(out, [init(TABLES), next(TABLES)]);
    refused(out, 'KEY_CHANGED', ['0001_next', '"public.px"', 'PARTITION BY LIST ("region")'], () => processFolder(out, schema({ pxKey: 'region' })));
  });
});
