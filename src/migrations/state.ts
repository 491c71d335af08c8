/**
 * The partitioning state recorded beside each migration: what the schema's
 * partitioned tables looked like when that migration was written, as the SQL
 * clauses this package rendered. Later changes are diffed against it, so the
 * catalog text PostgreSQL normalises is never compared.
 *
 * The clauses are compared by meaning, never as text, so a change in how this
 * package renders them (a timestamptz's `+00`, quoting, spacing) is not a change:
 * a recorded bound is parsed back into values for the key's types and compared
 * with the schema's bound by value ({@link recordedBoundIs}); `PARTITION BY`
 * clauses are compared token by token ({@link sameClause}).
 */
import { boundClause } from '../bound/literals.js';
import { partitionByClause, type RenderOptions } from '../ddl/partition-ddl.js';
import type { ConversionDirection } from '../ddl/conversion-sql.js';
import { DrizzlePartitionsError } from '../errors.js';
import { qualifiedLabel, quoteIdent } from '../sql/quote.js';
import { parsePartitionBound } from '../bound/parse.js';
import { boundsEqual } from '../bound/values.js';
import type { PartitionBound, PartitionKey, PartitionLevel, Partitioning } from '../schema/resolved.js';
import { NO_OBJECTS, type CollationState, type ExtensionState, type ObjectsState } from './declared-objects.js';

/** Format version of state files. */
export const STATE_VERSION = 1;

/** One partition as recorded: its name and rendered clauses, children if sub-partitioned. */
export interface PartitionState {
  name: string;
  /** `FOR VALUES ...` or `DEFAULT`, as the DDL module renders it. */
  bound: string;
  tablespace?: string;
  /** `PARTITION BY ...` when this partition is itself partitioned. */
  partitionBy?: string;
  partitions?: PartitionState[];
}

/**
 * A table the history turned from plain into partitioned, or back, without DDL: the
 * migration that records the change holds a comment only, and `drizzle-partitions
 * convert apply` carries it out online. Kept on the table's entry (or in
 * {@link MigrationState.plainConversions}) in every later state, so each later
 * migration that changes the table's partitions checks first that the conversion ran.
 */
export interface ConversionState {
  direction: ConversionDirection;
  /** Id (journal tag or folder name) of the migration that recorded the change. */
  migration: string;
}

/** One partitioned table as recorded. */
export interface TableState {
  /** Schema name; null for drizzle's default (public). */
  schema: string | null;
  name: string;
  partitionBy: string;
  partitions: PartitionState[];
  /** Present when the table became partitioned through an online conversion (direction `to-partitioned`). */
  conversion?: ConversionState;
}

/** A table the history turned back into a plain one, converted online (see {@link ConversionState}). */
export interface PlainConversionState {
  schema: string | null;
  name: string;
  conversion: ConversionState;
}

/** The state file's content. */
export interface MigrationState {
  version: number;
  tables: TableState[];
  /** Declared extensions (`pgExtension()`); written only when there is one. */
  extensions?: ExtensionState[];
  /** Declared collations (`pgCollation()`); written only when there is one. */
  collations?: CollationState[];
  /**
   * `schema.index` keys of the schema's `.concurrently()` indexes when the migration
   * was written (absent when none): a later migration that drops one of them drops it
   * concurrently, outside a transaction.
   */
  concurrentIndexes?: string[];
  /**
   * Tables a migration turned from partitioned into plain, converted online (absent
   * when none); dropped from the list when the table is dropped or partitioned again.
   */
  plainConversions?: PlainConversionState[];
}

/** What a state records beside the partitioned tables and the declared objects. */
export interface StateExtras {
  /** See {@link MigrationState.concurrentIndexes}. */
  concurrentIndexes?: Iterable<string> | undefined;
  /** See {@link MigrationState.plainConversions}. */
  plainConversions?: Iterable<PlainConversionState> | undefined;
}

/** `public.events` style key of a table state. */
export function tableKey(t: { schema?: string | null | undefined; name: string }): string {
  return qualifiedLabel(t);
}

function levelPartitions(level: PartitionLevel, opts: RenderOptions): PartitionState[] {
  return level.partitions.map((p) => {
    const s: PartitionState = { name: p.name, bound: boundClause(p.bound) };
    if (p.tablespace !== undefined) s.tablespace = p.tablespace;
    if (p.partitionBy) {
      s.partitionBy = partitionByClause(p.partitionBy, opts);
      s.partitions = levelPartitions(p.partitionBy, opts);
    }
    return s;
  });
}

/**
 * The recorded form of a table's partitioning, rendered under `opts` (casing).
 *
 * @example
 * ```ts
 * tableState(getPartitioning(events)!, { casing: 'snake_case' }).partitionBy; // 'PARTITION BY RANGE ("created_at")'
 * ```
 */
export function tableState(p: Partitioning, opts: RenderOptions = {}): TableState {
  return {
    schema: p.table.schema ?? null,
    name: p.table.name,
    partitionBy: partitionByClause(p, opts),
    partitions: levelPartitions(p, opts),
  };
}

/**
 * The state after `ALTER TABLE ... RENAME COLUMN from TO to`: every `PARTITION BY`
 * clause of the table (sub-partitions too) names the column by its new name. The
 * same object when no clause names it. Bounds name no column.
 *
 * @example
 * ```ts
 * renameColumnInState(state, 'at', 'placed_at').partitionBy; // 'PARTITION BY RANGE ("placed_at")'
 * ```
 */
export function renameColumnInState(table: TableState, from: string, to: string): TableState {
  let changed = false;
  const clause = (c: string) => {
    const r = renameQuotedName(c, from, to);
    if (r !== c) changed = true;
    return r;
  };
  const level = (list: readonly PartitionState[]): PartitionState[] =>
    list.map((p) => (p.partitionBy === undefined ? p : { ...p, partitionBy: clause(p.partitionBy), partitions: level(p.partitions ?? []) }));
  const next: TableState = { ...table, partitionBy: clause(table.partitionBy), partitions: level(table.partitions) };
  return changed ? next : table;
}

/**
 * `clause` with each quoted name `"from"` written `"to"`; string literals are left
 * alone. This package quotes every column name it renders, so a recorded clause
 * names columns only in quotes.
 */
function renameQuotedName(clause: string, from: string, to: string): string {
  let out = '';
  let i = 0;
  while (i < clause.length) {
    const ch = clause[i]!;
    if (ch === "'") {
      // a string literal: copy it whole ('' inside; a backslash escapes in E'...')
      const escaped = i > 0 && /[eE]/.test(clause[i - 1]!);
      let j = i + 1;
      while (j < clause.length) {
        if (escaped && clause[j] === '\\') j += 2;
        else if (clause[j] === "'" && clause[j + 1] === "'") j += 2;
        else if (clause[j] === "'") break;
        else j += 1;
      }
      out += clause.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      let name = '';
      while (j < clause.length) {
        if (clause[j] === '"' && clause[j + 1] === '"') {
          name += '"';
          j += 2;
        } else if (clause[j] === '"') break;
        else name += clause[j++];
      }
      out += name === from ? quoteIdent(to) : clause.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

/**
 * A state with its tables in a stable order, so equal states serialise to equal bytes;
 * extensions, collations (already sorted, see objectsState) and concurrent indexes only
 * when there are some, so a project without them writes the state files it always wrote.
 */
export function migrationState(tables: Iterable<TableState>, objects: ObjectsState = NO_OBJECTS, extras: StateExtras = {}): MigrationState {
  const state: MigrationState = { version: STATE_VERSION, tables: [...tables].sort((a, b) => (tableKey(a) < tableKey(b) ? -1 : tableKey(a) > tableKey(b) ? 1 : 0)) };
  if (objects.extensions.length > 0) state.extensions = objects.extensions;
  if (objects.collations.length > 0) state.collations = objects.collations;
  const concurrent = [...new Set(extras.concurrentIndexes ?? [])].sort();
  if (concurrent.length > 0) state.concurrentIndexes = concurrent;
  const plain = [...(extras.plainConversions ?? [])].sort((a, b) => (tableKey(a) < tableKey(b) ? -1 : tableKey(a) > tableKey(b) ? 1 : 0));
  if (plain.length > 0) state.plainConversions = plain;
  return state;
}

/** The extensions and collations a state records (none in a state file written without them). */
export function stateObjects(state: MigrationState): ObjectsState {
  return { extensions: state.extensions ?? [], collations: state.collations ?? [] };
}

/** Serialises a state (2-space JSON with a final newline, like drizzle-kit's files). */
export function serializeState(state: MigrationState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Parses a state file; returns a reason instead when it is not one. */
export function parseState(text: string): MigrationState | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return `is not JSON (${(e as Error).message})`;
  }
  const d = data as Partial<MigrationState>;
  if (typeof d !== 'object' || d === null || typeof d.version !== 'number' || !Array.isArray(d.tables)) return 'is not a drizzle-partitions state file';
  if (d.version > STATE_VERSION) return `was written by a newer drizzle-partitions (state version ${d.version}); upgrade`;
  if (d.concurrentIndexes !== undefined && (!Array.isArray(d.concurrentIndexes) || d.concurrentIndexes.some((n) => typeof n !== 'string'))) return 'has a malformed concurrentIndexes list';
  for (const t of d.tables) {
    if (typeof t?.name !== 'string' || typeof t.partitionBy !== 'string' || !Array.isArray(t.partitions)) return `has a malformed table entry ${JSON.stringify(t)?.slice(0, 80)}`;
    if (t.conversion !== undefined && !isConversion(t.conversion, 'to-partitioned')) return `has a malformed conversion on table entry ${JSON.stringify(t.name)}`;
  }
  for (const t of d.plainConversions === undefined ? [] : Array.isArray(d.plainConversions) ? d.plainConversions : [undefined]) {
    if (typeof t?.name !== 'string' || !isConversion(t.conversion, 'to-plain')) return `has a malformed plainConversions entry ${JSON.stringify(t)?.slice(0, 80)}`;
  }
  for (const e of d.extensions === undefined ? [] : Array.isArray(d.extensions) ? d.extensions : [undefined]) {
    if (typeof e?.name !== 'string') return `has a malformed extension entry ${JSON.stringify(e)?.slice(0, 80)}`;
  }
  for (const c of d.collations === undefined ? [] : Array.isArray(d.collations) ? d.collations : [undefined]) {
    if (typeof c?.name !== 'string' || (c.provider !== 'icu' && c.provider !== 'libc') || typeof c.locale !== 'string' || typeof c.deterministic !== 'boolean') return `has a malformed collation entry ${JSON.stringify(c)?.slice(0, 80)}`;
  }
  return d as MigrationState;
}

function isConversion(c: unknown, direction: ConversionDirection): boolean {
  const x = c as Partial<ConversionState> | null;
  return typeof x === 'object' && x !== null && x.direction === direction && typeof x.migration === 'string';
}

/**
 * Whether two states are recorded the same (byte for byte once ordered, conversion
 * markers aside). A quick
 * check only: states that differ here may still mean the same partitioning (one
 * rendered by another version); the diff compares them by value.
 */
export function sameState(a: MigrationState, b: MigrationState): boolean {
  // a conversion marker records how the table got there, not its partitioning
  const tables = (s: MigrationState) => s.tables.map(({ conversion: _, ...t }) => t);
  return serializeState(migrationState(tables(a), stateObjects(a))) === serializeState(migrationState(tables(b), stateObjects(b)));
}

// ---------------------------------------------------------------------------
// Comparing recorded clauses by meaning

/**
 * A recorded bound clause read back into values for a level's `keys`; undefined when
 * it does not read as a bound of those keys (the key's type or enum changed since).
 *
 * @example
 * ```ts
 * readRecordedBound("FOR VALUES FROM ('2026-01-01 00:00:00+00') TO (MAXVALUE)", getPartitioning(events)!.keys);
 * // { kind: 'range', from: [{ kind: 'timestamptz', text: '2026-01-01 00:00:00', ord: ... }], to: [{ kind: 'maxvalue' }] }
 * ```
 */
export function readRecordedBound(recorded: string, keys: readonly PartitionKey[]): PartitionBound | undefined {
  try {
    return parsePartitionBound(recorded, keys.map((k) => ({ type: k.type, enumLabels: k.enumLabels })));
  } catch (e) {
    if (e instanceof DrizzlePartitionsError && e.code === 'BOUND_UNPARSEABLE') return undefined;
    throw e;
  }
}

/**
 * Whether a recorded bound clause is the bound `declared` now, by value:
 * `'2026-01-01 00:00:00+00'` and `'2026-01-01T00:00:00Z'` are the same timestamptz,
 * `1.50` and `1.5` the same numeric, `IN ('a', 'b')` and `IN ('b', 'a')` the same list.
 * A recorded clause that does not read as a bound of `keys` is compared with the
 * declared bound's clause token by token ({@link sameClause}).
 *
 * @param parsed - the recorded clause already read with {@link readRecordedBound}, if at hand.
 *
 * @example
 * ```ts
 * recordedBoundIs("FOR VALUES IN (1.50)", { kind: 'list', values: [{ kind: 'numeric', text: '1.5' }] }, keys); // true
 * ```
 */
export function recordedBoundIs(recorded: string, declared: PartitionBound, keys: readonly PartitionKey[], parsed: PartitionBound | undefined = readRecordedBound(recorded, keys)): boolean {
  return parsed ? boundsEqual(parsed, declared) : sameClause(recorded, boundClause(declared));
}

/** Whether a recorded bound clause is `DEFAULT`. */
export function isDefaultClause(recorded: string): boolean {
  return sameClause(recorded, 'DEFAULT');
}

/**
 * Whether two SQL clauses say the same, token by token: whitespace between tokens,
 * the case of keywords and unquoted names, and quotes around names that need none
 * do not count (`PARTITION BY RANGE ("created_at")` is `partition by range (created_at)`),
 * nor does a string literal's spelling (`'a\b'` is `E'a\\b'`). Values are not
 * interpreted: compare bounds with {@link recordedBoundIs}. A name that is also a
 * keyword compares equal quoted or not (`"user"`, `user`): this package always
 * quotes names, so its own clauses never hold the bare keyword.
 *
 * @example
 * ```ts
 * sameClause('PARTITION BY HASH ("a", "b")', 'PARTITION BY HASH (a,b)'); // true
 * ```
 */
export function sameClause(a: string, b: string): boolean {
  if (a === b) return true;
  const ta = clauseTokens(a);
  const tb = clauseTokens(b);
  return ta !== undefined && tb !== undefined && ta.length === tb.length && ta.every((t, i) => t === tb[i]);
}

const WORD = /[\p{L}_][\p{L}\p{N}_$]*/uy;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const OPERATOR = /[+\-*/<>=~!@#%^&|`?]+/y;
const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The tokens of a clause, each tagged with its kind; undefined when a quote is not closed. */
function clauseTokens(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const sticky = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(text);
    return m ? m[0] : undefined;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const escaped = (ch === 'E' || ch === 'e') && text[i + 1] === "'";
    if (ch === "'" || escaped) {
      const start = escaped ? i + 1 : i;
      let value = '';
      // octal, hex and Unicode escapes are not decoded: such a string is kept as written
      let undecoded = false;
      let j = start + 1;
      for (;;) {
        if (j >= text.length) return undefined;
        const c = text[j]!;
        if (c === "'" && text[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (c === "'") {
          j += 1;
          break;
        } else if (c === '\\' && escaped && j + 1 < text.length) {
          const e = text[j + 1]!;
          if (/[0-7xuU]/.test(e)) undecoded = true;
          value += SIMPLE_ESCAPES[e] ?? e;
          j += 2;
        } else {
          value += c;
          j += 1;
        }
      }
      out.push(undecoded ? `e:${text.slice(start, j)}` : `s:${value}`);
      i = j;
      continue;
    }
    if (ch === '"') {
      let name = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) return undefined;
        if (text[j] === '"' && text[j + 1] === '"') {
          name += '"';
          j += 2;
        } else if (text[j] === '"') {
          j += 1;
          break;
        } else {
          name += text[j];
          j += 1;
        }
      }
      out.push(`i:${name}`);
      i = j;
      continue;
    }
    const word = sticky(WORD);
    if (word !== undefined) {
      // PostgreSQL folds unquoted names and keywords to lower case (ASCII letters only)
      out.push(`i:${word.replace(/[A-Z]+/g, (m) => m.toLowerCase())}`);
      i += word.length;
      continue;
    }
    const number = sticky(NUMBER);
    const token = number ?? sticky(OPERATOR) ?? ch;
    out.push(`${number !== undefined ? 'n' : 'p'}:${token}`);
    i += token.length;
  }
  return out;
}
