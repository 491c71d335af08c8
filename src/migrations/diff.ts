/**
 * Diffs the recorded partitioning state against the schema for one migration:
 * what the migration's `CREATE TABLE`s need, what changed on tables that already
 * exist, and which changes are refused (nothing is written then).
 *
 * Recorded clauses are compared with the schema by meaning, not as text: a bound by
 * value, read back for the key's types (so a state rendered by another version of
 * this package is not a change), `PARTITION BY` token by token, a tablespace by name.
 */
import {
  createPartitionFromClauses,
  declaredPartitionsSql,
  detachPartitionSql,
  dropTableSql,
  renameTableSql,
  partitionKeysSql,
  requireServerVersionSql,
  type RenderOptions,
} from '../ddl/partition-ddl.js';
import { putRowsIntoPartitionSql, takeRowsFromDefaultSql } from '../ddl/default-rows-sql.js';
import { boundRowsPredicate, setSchemaSql } from '../ddl/maintenance-sql.js';
import { conversionNoteSql, conversionSentence, requirePartitionedSql } from '../ddl/conversion-sql.js';
import type { QualifiedName } from '../sql/quote.js';
import type { DeclaredPartition, PartitionBound, PartitionLevel, Partitioning } from '../schema/resolved.js';
import { PostprocessError } from '../errors.js';
import { outsideTransactionMoves } from './outside-transaction-moves.js';
import type { CreateTableEdit, FileTables, TextReplacement } from './sql-file.js';
import { isDefaultClause, readRecordedBound, recordedBoundIs, renameColumnInState, sameClause, tableKey, type PartitionState, type PlainConversionState, type TableState } from './state.js';

/** A partitioned table of the schema, with its state rendered for this project's casing. */
export interface CurrentTable {
  partitioning: Partitioning;
  state: TableState;
}

export interface DiffInput {
  /** Migration id (journal tag or folder name), for messages. */
  migration: string;
  /** State recorded after the previous migration, keyed `schema.name`. */
  prev: ReadonlyMap<string, TableState>;
  /** Tables recorded as turned plain by an online conversion, keyed `schema.name` (none when absent). */
  prevPlain?: ReadonlyMap<string, PlainConversionState>;
  /** The schema's partitioned tables now, keyed `schema.name`. */
  current: ReadonlyMap<string, CurrentTable>;
  /** What the migration's own statements do to tables. */
  file: FileTables;
  /** Tables drizzle-kit knew before this migration (its previous snapshot), when known. */
  tablesBefore: ReadonlySet<string> | undefined;
  opts: RenderOptions;
  /** `schema.index` keys of the indexes declared `.concurrently()` before this migration (none when unknown). */
  concurrentBefore?: ReadonlySet<string>;
  /**
   * The file already holds its partitioned DDL (a rerun after an interrupted
   * write, or a migration the user froze): work out the state only.
   */
  recordOnly?: boolean;
}

export interface DiffResult {
  edits: CreateTableEdit[];
  /** Statements of the file replaced (concurrent indexes built plainly, or moved). */
  replacements: TextReplacement[];
  /** Statements for a migration of their own that runs outside a transaction. */
  deferred: string[];
  /** Statements appended at the end of the migration (changes to existing tables). */
  trailing: string[];
  /** Statements put first: version guards that stop the migration before any DDL. */
  guards: string[];
  /** The state after this migration. */
  next: Map<string, TableState>;
  /** Tables turned plain by an online conversion, after this migration. */
  nextPlain: Map<string, PlainConversionState>;
  /**
   * What the migration holds for each table converted online (in place of its DDL):
   * a comment and a notice, appended with the trailing statements.
   */
  conversions: string[];
  /** One sentence per table converted online: how to carry the conversion out. */
  conversionSentences: string[];
  /** One line per change, for the report. */
  notes: string[];
}

const k = (q: QualifiedName) => tableKey(q);

/** Identity columns on a partitioned table need PostgreSQL 17. */
const IDENTITY = /GENERATED (ALWAYS|BY DEFAULT) AS IDENTITY/i;

interface LevelOps {
  /** Partitions following their table into another schema. */
  moves: string[];
  renames: string[];
  detaches: string[];
  creates: string[];
  notes: string[];
  /** Partitions detached whose tables stay (`schema.name`), and the table they left. */
  kept: Map<string, string>;
  /** Partitions created, at any level (`schema.name`), with their table and bound. */
  created: { key: string; name: string; table: string; bound: string }[];
}

function createSubtree(parent: QualifiedName, p: PartitionState, schema: string | undefined, ops: LevelOps, table: string): void {
  ops.creates.push(createPartitionFromClauses({ parent, partition: { schema, name: p.name }, bound: p.bound, partitionBy: p.partitionBy, tablespace: p.tablespace }));
  ops.created.push({ key: k({ schema, name: p.name }), name: p.name, table, bound: p.bound });
  for (const c of p.partitions ?? []) createSubtree({ schema, name: p.name }, c, schema, ops, table);
}

/**
 * A detached partition's table stays (unless dropped): a partition created under the
 * same name anywhere in the schema, at any level of any table, would fail.
 */
function refuseReusedNames(migration: string, ops: LevelOps): void {
  for (const c of ops.created) {
    const left = ops.kept.get(c.key);
    if (left === undefined) continue;
    throw new PostprocessError('NAME_REUSED', migration, `partition "${c.name}" of "${c.table}" is declared with bound ${c.bound}, but "${c.name}", detached from "${left}", stays as a table`, "give the new partition another name, or opt in to dropping removed partitions with onPartitionRemoved: 'drop'");
  }
}

/** Tablespaces are recorded as names (unquoted); none is the default tablespace. */
function sameTablespace(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '') === (b ?? '');
}

/**
 * Compares recorded partitions of one level with the schema's partitions there: a
 * recorded bound is read back once for the level's keys and compared by value with
 * the declared bound of the partition it is paired with.
 */
class LevelBounds {
  private readonly read = new Map<PartitionState, PartitionBound | undefined>();
  private readonly declared: Map<string, DeclaredPartition>;
  constructor(private readonly level: PartitionLevel | undefined) {
    this.declared = new Map((level?.partitions ?? []).map((d) => [d.name, d]));
  }

  /** Whether recorded partition `p` has the bound of current partition `c`. */
  same(p: PartitionState, c: PartitionState): boolean {
    const declared = this.declared.get(c.name);
    if (!this.level || !declared) return sameClause(p.bound, c.bound);
    if (!this.read.has(p)) this.read.set(p, readRecordedBound(p.bound, this.level.keys));
    return recordedBoundIs(p.bound, declared.bound, this.level.keys, this.read.get(p));
  }

  /** The schema's level under current partition `c`, when it is sub-partitioned. */
  sub(c: PartitionState): PartitionLevel | undefined {
    return this.declared.get(c.name)?.partitionBy;
  }

  /** The predicate selecting the rows of current partition `c`, when the schema's level describes them. */
  rowsOf(c: PartitionState, opts: RenderOptions): string | undefined {
    const declared = this.declared.get(c.name);
    if (!this.level || !declared) return undefined;
    return boundRowsPredicate(partitionKeysSql(this.level, opts), declared.bound);
  }
}

function diffLevel(
  ctx: { migration: string; table: string; onRemove: 'detach' | 'drop'; schema: string | undefined; opts: RenderOptions },
  parent: QualifiedName,
  prevList: readonly PartitionState[],
  curList: readonly PartitionState[],
  level: PartitionLevel | undefined,
  ops: LevelOps,
): void {
  const bounds = new LevelBounds(level);
  const unmatched = [...prevList];
  const pairs: [PartitionState, PartitionState][] = [];
  const fresh: PartitionState[] = [];
  for (const c of curList) {
    const i = unmatched.findIndex((p) => p.name === c.name);
    if (i < 0) {
      fresh.push(c);
      continue;
    }
    const [p] = unmatched.splice(i, 1) as [PartitionState];
    if (!bounds.same(p, c)) {
      throw new PostprocessError('BOUND_CHANGED', ctx.migration, `partition "${c.name}" of "${ctx.table}" changes its bound from ${p.bound} to ${c.bound}; PostgreSQL cannot alter a bound in place, and detaching and re-attaching may fail on existing rows`, `keep the old bound, or declare a partition with a new name (the old one is then detached)`);
    }
    pairs.push([p, c]);
  }
  const created: PartitionState[] = [];
  for (const c of fresh) {
    const i = unmatched.findIndex((p) => bounds.same(p, c));
    if (i < 0) {
      created.push(c);
      continue;
    }
    const [p] = unmatched.splice(i, 1) as [PartitionState];
    ops.renames.push(renameTableSql({ schema: ctx.schema, name: p.name }, c.name));
    ops.notes.push(`rename partition ${p.name} -> ${c.name} (${c.bound})`);
    pairs.push([p, c]);
  }
  for (const [p, c] of pairs) {
    if (!sameClause(p.partitionBy ?? '', c.partitionBy ?? '')) {
      throw new PostprocessError('SUBPARTITION_CHANGED', ctx.migration, `partition "${c.name}" of "${ctx.table}" changes its sub-partitioning from ${p.partitionBy ?? 'none'} to ${c.partitionBy ?? 'none'}; an existing partition cannot be re-partitioned in place`, 'declare a new partition for the new layout and let the old one be detached');
    }
    if (!sameTablespace(p.tablespace, c.tablespace)) {
      throw new PostprocessError('TABLESPACE_CHANGED', ctx.migration, `partition "${c.name}" of "${ctx.table}" moves from tablespace ${p.tablespace ?? '(default)'} to ${c.tablespace ?? '(default)'}; moving rewrites the table under an exclusive lock, which a migration should not do silently`, 'keep the tablespace here and move the partition with ALTER TABLE ... SET TABLESPACE in a maintenance window');
    }
    if (c.partitionBy) diffLevel(ctx, { schema: ctx.schema, name: c.name }, p.partitions ?? [], c.partitions ?? [], bounds.sub(c), ops);
  }
  for (const p of unmatched) {
    ops.detaches.push(detachPartitionSql({ parent, partition: { schema: ctx.schema, name: p.name } }));
    const drop = ctx.onRemove === 'drop' && !isDefaultClause(p.bound);
    if (drop) ops.detaches.push(dropTableSql({ table: { schema: ctx.schema, name: p.name } }));
    else ops.kept.set(k({ schema: ctx.schema, name: p.name }), ctx.table);
    ops.notes.push(`${drop ? 'detach and drop' : 'detach (table kept)'} partition ${p.name} (${p.bound})`);
  }
  // A default partition kept at this level may already hold rows of a new partition:
  // they move with the partition's creation (PostgreSQL refuses the partition otherwise).
  const kept = pairs.find(([, c]) => isDefaultClause(c.bound))?.[1];
  const defaultPartition = kept ? { schema: ctx.schema, name: kept.name } : undefined;
  for (const c of created) {
    const predicate = defaultPartition && !isDefaultClause(c.bound) ? bounds.rowsOf(c, ctx.opts) : undefined;
    const partition = { schema: ctx.schema, name: c.name };
    if (predicate) ops.creates.push(...takeRowsFromDefaultSql({ parent, defaultPartition: defaultPartition!, partition, predicate }));
    createSubtree(parent, c, ctx.schema, ops, ctx.table);
    if (predicate) ops.creates.push(...putRowsIntoPartitionSql(partition));
    ops.notes.push(`create partition ${c.name} (${c.bound})${predicate ? `, moving its rows out of default partition ${kept!.name}` : ''}`);
  }
}

/**
 * Works out what one migration must gain. Throws a {@link PostprocessError} on a
 * change this package refuses.
 */
export function diffMigration(input: DiffInput): DiffResult {
  const { migration, file, current, opts } = input;
  const next = new Map(input.prev);
  const nextPlain = new Map(input.prevPlain ?? []);
  const notes: string[] = [];
  const guards: string[] = [];
  // the name each table has when the migration starts, for the guards that run first
  const origin = new Map<string, QualifiedName>();
  const startName = (key: string, fallback: QualifiedName) => origin.get(key) ?? fallback;
  // a table converted online may still be plain: its partitions are changed only once it is not
  const guarded = new Set<string>();
  const guard = (key: string, table: QualifiedName) => {
    if (guarded.has(key)) return;
    guarded.add(key);
    guards.push(requirePartitionedSql(table));
  };

  for (const d of file.dropped) {
    if (next.delete(k(d))) notes.push(`table ${k(d)} dropped (its partitions go with it)`);
    nextPlain.delete(k(d));
  }
  for (const r of file.renamed) {
    const plain = nextPlain.get(k(r.from));
    if (plain) {
      nextPlain.delete(k(r.from));
      nextPlain.set(k(r.to), { ...plain, schema: r.to.schema ?? null, name: r.to.name });
    }
    const st = next.get(k(r.from));
    if (!st) continue;
    next.delete(k(r.from));
    next.set(k(r.to), { ...st, schema: r.to.schema ?? null, name: r.to.name });
    origin.set(k(r.to), origin.get(k(r.from)) ?? r.from);
    notes.push(`table ${k(r.from)} renamed to ${k(r.to)}; its partitioning state goes with it`);
  }
  // ALTER TABLE ... SET SCHEMA moves the parent alone: its partitions follow it here,
  // so the family stays in one schema, where the schema declares it.
  const moves: string[] = [];
  for (const m of file.moved) {
    const st = next.get(k(m.table));
    if (!st) continue;
    const schema = m.toSchema === 'public' ? null : m.toSchema;
    next.delete(k(m.table));
    const movedKey = k({ schema: schema ?? undefined, name: st.name });
    next.set(movedKey, { ...st, schema });
    origin.set(movedKey, origin.get(k(m.table)) ?? m.table);
    if (st.conversion && st.partitions.length > 0) guard(movedKey, startName(movedKey, m.table));
    const follow = (list: readonly PartitionState[]) => {
      for (const p of list) {
        moves.push(setSchemaSql({ schema: m.table.schema, name: p.name }, m.toSchema));
        follow(p.partitions ?? []);
      }
    };
    follow(st.partitions);
    notes.push(`table ${k(m.table)} moved to schema ${m.toSchema}; its partitions follow it`);
  }
  // RENAME COLUMN keeps a partition key (PostgreSQL renames it in place): follow it.
  for (const r of file.renamedColumns) {
    const st = next.get(k(r.table));
    if (!st) continue;
    const renamed = renameColumnInState(st, r.from, r.to);
    if (renamed === st) continue;
    next.set(k(r.table), renamed);
    notes.push(`key column ${r.from} of ${k(r.table)} renamed to ${r.to}; the partition key follows it`);
  }

  const edits: CreateTableEdit[] = [];
  const conversions: string[] = [];
  const sentences: string[] = [];
  const createdKeys = new Set<string>();
  for (const c of file.created) {
    const key = k(c.table);
    createdKeys.add(key);
    nextPlain.delete(key);
    const cur = current.get(key);
    if (!cur) {
      next.delete(key);
      continue;
    }
    if (c.close < 0 && !input.recordOnly) {
      throw new PostprocessError('CREATE_TABLE_UNRECOGNISED', migration, `the CREATE TABLE of "${key}" does not end with "\\n);" as drizzle-kit writes it, so PARTITION BY cannot be added`, 'regenerate the migration with drizzle-kit, or write the partitioned DDL by hand and mark the file "-- drizzle-partitions: frozen"');
    }
    const after = declaredPartitionsSql(cur.partitioning, opts);
    edits.push({ at: c, partitionBy: cur.state.partitionBy, after });
    if (IDENTITY.test(c.body)) guards.push(requireServerVersionSql(170000, `identity columns on partitioned table "${key}"`));
    next.set(key, cur.state);
    notes.push(`create ${key} ${cur.state.partitionBy} with ${after.length} partition(s)`);
  }

  const ops: LevelOps = { moves, renames: [], detaches: [], creates: [], notes: [], kept: new Map(), created: [] };
  // the partitions of a table this migration creates (or records as converted) take their names too
  const takeNames = (key: string, cur: CurrentTable) => {
    const walk = (list: readonly PartitionState[], schema: string | undefined) => {
      for (const p of list) {
        ops.created.push({ key: k({ schema, name: p.name }), name: p.name, table: key, bound: p.bound });
        walk(p.partitions ?? [], schema);
      }
    };
    walk(cur.state.partitions, cur.partitioning.table.schema);
  };
  const existedPlain = (key: string) => input.tablesBefore !== undefined && (input.tablesBefore.has(key) || file.renamed.some((r) => k(r.to) === key && input.tablesBefore!.has(k(r.from))));
  for (const [key, cur] of current) {
    if (createdKeys.has(key)) {
      takeNames(key, cur);
      continue;
    }
    const before = next.get(key);
    if (!before) {
      if (existedPlain(key)) {
        // An existing plain table the schema now declares partitioned: no DDL here, the
        // conversion runs online (drizzle-partitions convert apply). The state records
        // the table partitioned as declared, marked converted by this migration.
        const table = { schema: cur.partitioning.table.schema ?? 'public', name: cur.partitioning.table.name };
        next.set(key, { ...cur.state, conversion: { direction: 'to-partitioned', migration } });
        nextPlain.delete(key);
        conversions.push(conversionNoteSql(table, 'to-partitioned'));
        sentences.push(conversionSentence(table, 'to-partitioned'));
        notes.push(`table ${key} becomes partitioned (${cur.state.partitionBy}, ${cur.state.partitions.length} partition(s)) by an online conversion: drizzle-partitions convert apply --table ${key}`);
        takeNames(key, cur);
        continue;
      }
      throw new PostprocessError('TABLE_MISSING_FROM_MIGRATION', migration, `partitioned table "${key}" is neither created by this migration nor recorded by an earlier one`, 'check that drizzle-kit sees the same schema files (and tablesFilter/schemaFilter) as drizzle-partitions, then generate again');
    }
    if (!sameClause(before.partitionBy, cur.state.partitionBy)) {
      throw new PostprocessError('KEY_CHANGED', migration, `table "${key}" changes its partitioning from ${before.partitionBy} to ${cur.state.partitionBy}; PostgreSQL cannot change a partition key or method in place`, 'keep the old key, or create a new table with the new key and move the data (a rebuild operation is planned)');
    }
    const schema = cur.partitioning.table.schema;
    const opsBefore = ops.renames.length + ops.detaches.length + ops.creates.length;
    diffLevel({ migration, table: key, onRemove: cur.partitioning.onPartitionRemoved, schema, opts }, cur.partitioning.table, before.partitions, cur.state.partitions, cur.partitioning, ops);
    if (before.conversion && ops.renames.length + ops.detaches.length + ops.creates.length > opsBefore) guard(key, startName(key, cur.partitioning.table));
    next.set(key, before.conversion ? { ...cur.state, conversion: before.conversion } : cur.state);
  }
  refuseReusedNames(migration, ops);
  for (const [key, st] of [...next]) {
    if (current.has(key)) continue;
    // A partitioned table the schema now declares plain, and this migration keeps: the
    // conversion back runs online too.
    const table = { schema: st.schema ?? 'public', name: st.name };
    next.delete(key);
    nextPlain.set(key, { schema: st.schema, name: st.name, conversion: { direction: 'to-plain', migration } });
    conversions.push(conversionNoteSql(table, 'to-plain'));
    sentences.push(conversionSentence(table, 'to-plain'));
    notes.push(`table ${key} becomes a plain table again by an online conversion: drizzle-partitions convert apply --table ${key}`);
  }
  const { replacements, deferred, notes: moveNotes } = outsideTransactionMoves(file, input.concurrentBefore ?? new Set());
  notes.push(...moveNotes);
  notes.push(...ops.notes);
  if (input.recordOnly) return { edits: [], replacements: [], deferred: [], trailing: [], guards: [], next, nextPlain, conversions: [], conversionSentences: [], notes };
  return { edits, replacements, deferred, trailing: [...ops.moves, ...ops.renames, ...ops.detaches, ...ops.creates], guards, next, nextPlain, conversions, conversionSentences: sentences, notes };
}
