/**
 * A drizzle-kit migration file as text: which tables it creates, drops and
 * renames, and the edits the post-processor makes to it. Edits touch only the
 * end of a partitioned table's `CREATE TABLE` and insert whole statements, so
 * every statement drizzle-kit wrote stays byte-for-byte.
 */
import type { QualifiedName } from '../sql/quote.js';

/** drizzle-kit's statement separator. */
export const BREAKPOINT = '--> statement-breakpoint';

/** First line of a file this package has rewritten. */
export const PROCESSED_MARKER = '-- drizzle-partitions: partitioned DDL added';
/**
 * A line a user adds to a migration this package must never rewrite.
 *
 * @example
 * ```ts
 * writeFileSync(file, `${FROZEN_MARKER}\n${readFileSync(file, 'utf8')}`); // postprocess leaves this migration alone
 * ```
 */
export const FROZEN_MARKER = '-- drizzle-partitions: frozen';

/**
 * A line that makes a migration run outside a transaction, statement by statement,
 * under `drizzle-partitions migrate` (drizzle's own migrators run every migration in
 * a transaction, where `CREATE INDEX CONCURRENTLY` fails). The post-processor writes
 * it into the migrations it makes for concurrent indexes.
 *
 * @example
 * ```ts
 * isNoTransaction(`${NO_TRANSACTION_MARKER}\nCREATE INDEX CONCURRENTLY ...`); // true
 * ```
 */
export const NO_TRANSACTION_MARKER = '-- drizzle-partitions: no-transaction';

const ID = String.raw`"((?:[^"]|"")+)"`;
const QNAME = String.raw`${ID}(?:\.${ID})?`;

function qualified(a: string | undefined, b: string | undefined): QualifiedName {
  const unquote = (s: string) => s.replace(/""/g, '"');
  return b === undefined ? { schema: undefined, name: unquote(a!) } : { schema: unquote(a!), name: unquote(b) };
}

function all(re: RegExp, text: string): RegExpExecArray[] {
  return [...text.matchAll(new RegExp(re.source, 'gm'))];
}

/** A `CREATE TABLE` statement located in a file. */
export interface CreateTableAt {
  table: QualifiedName;
  /** Offset of `CREATE`. */
  start: number;
  /** Offset of the `)` that closes the column list. */
  close: number;
  /** Offset just past the statement's `;` and the newline after it, if any. */
  end: number;
  /** The statement's text up to its closing `)`. */
  body: string;
}

/** A `CREATE [UNIQUE] INDEX CONCURRENTLY` statement located in a file. */
export interface ConcurrentIndexAt {
  table: QualifiedName;
  /** Offset of `CREATE`. */
  start: number;
  /** Offset just past the statement's `;`. */
  end: number;
  /** Offset just past `CONCURRENTLY ` (where `IF NOT EXISTS ` goes). */
  afterKeyword: number;
  /** The statement, `CREATE` to `;`. */
  statement: string;
}

/** A `DROP INDEX` statement located in a file. */
export interface IndexDropAt {
  /** The index; its schema as written (drizzle-kit writes none for `public`). */
  index: QualifiedName;
  concurrently: boolean;
  /** Offset of `DROP`. */
  start: number;
  /** Offset just past the statement's `;`. */
  end: number;
  /** The statement, `DROP` to `;`. */
  statement: string;
}

/** Offset just past the `;` that ends the statement starting at `start` (quotes skipped); the text's end when none. */
function statementEnd(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === ';') return i + 1;
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) return text.length;
      i = close; // a doubled quote closes and reopens: the scan goes on inside it
    }
  }
  return text.length;
}

/** What a migration file does to tables, read from its statements. */
export interface FileTables {
  created: CreateTableAt[];
  dropped: QualifiedName[];
  renamed: { from: QualifiedName; to: QualifiedName }[];
  /** Tables moved to another schema (`ALTER TABLE ... SET SCHEMA`). */
  moved: { table: QualifiedName; toSchema: string }[];
  /** Columns renamed (`ALTER TABLE ... RENAME COLUMN`). */
  renamedColumns: { table: QualifiedName; from: string; to: string }[];
  /** `CREATE INDEX CONCURRENTLY` statements, where they are and on which table. */
  concurrentIndexes: ConcurrentIndexAt[];
  /** Every `CREATE INDEX`, as `schema.index` keys (the table's schema, `public` when unwritten) and whether concurrently. */
  createdIndexes: { key: string; concurrently: boolean }[];
  /** `DROP INDEX` statements. */
  droppedIndexes: IndexDropAt[];
  /** `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY | CHECK` statements. */
  addedConstraints: AddConstraintAt[];
}

/** An `ALTER TABLE ... ADD CONSTRAINT "c" FOREIGN KEY | CHECK ...` statement located in a file. */
export interface AddConstraintAt {
  table: QualifiedName;
  constraint: string;
  kind: 'foreign-key' | 'check';
  /** Offset of `ALTER`. */
  start: number;
  /** Offset just past the statement's `;`. */
  end: number;
  /** The statement, `ALTER` to `;`. */
  statement: string;
}

/**
 * Reads which tables a migration creates, drops, renames and moves, and which columns it renames.
 *
 * @example
 * ```ts
 * fileTables('ALTER TABLE "logs" RENAME TO "app_logs";').renamed; // [{ from: { name: 'logs' }, to: { name: 'app_logs' } }]
 * ```
 */
export function fileTables(text: string): FileTables {
  const created = all(new RegExp(String.raw`^CREATE TABLE (?:IF NOT EXISTS )?${QNAME}\s*\(`), text).map((m): CreateTableAt => {
    const start = m.index!;
    const closeNl = text.indexOf('\n);', start);
    const close = closeNl < 0 ? -1 : closeNl + 1;
    let end = close < 0 ? -1 : close + 2;
    if (end > 0 && text[end] === '\n') end += 1;
    return { table: qualified(m[1], m[2]), start, close, end, body: text.slice(start, close < 0 ? undefined : close) };
  });
  const dropped = all(new RegExp(String.raw`^DROP TABLE (?:IF EXISTS )?${QNAME}`), text).map((m) => qualified(m[1], m[2]));
  const renamed = all(new RegExp(String.raw`^ALTER TABLE (?:IF EXISTS )?${QNAME} RENAME TO ${ID}`), text).map((m) => {
    const from = qualified(m[1], m[2]);
    return { from, to: { schema: from.schema, name: m[3]!.replace(/""/g, '"') } };
  });
  // `SET SCHEMA public` unquoted too, as drizzle-kit 0.31's remove-from-schema statement writes it
  const moved = all(new RegExp(String.raw`^ALTER TABLE (?:IF EXISTS )?${QNAME} SET SCHEMA (?:${ID}|(public))\s*;`), text).map((m) => ({ table: qualified(m[1], m[2]), toSchema: m[3] !== undefined ? m[3].replace(/""/g, '"') : m[4]! }));
  const renamedColumns = all(new RegExp(String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?${QNAME} RENAME COLUMN ${ID} TO ${ID}`), text).map((m) => ({ table: qualified(m[1], m[2]), from: m[3]!.replace(/""/g, '"'), to: m[4]!.replace(/""/g, '"') }));
  const concurrentIndexes = all(new RegExp(String.raw`^CREATE (?:UNIQUE )?INDEX CONCURRENTLY (?:IF NOT EXISTS )?${ID} ON (?:ONLY )?${QNAME}`), text).map((m): ConcurrentIndexAt => {
    const start = m.index!;
    const end = statementEnd(text, start);
    return { table: qualified(m[2], m[3]), start, end, afterKeyword: start + m[0].indexOf('CONCURRENTLY ') + 'CONCURRENTLY '.length, statement: text.slice(start, end) };
  });
  const createdIndexes = all(new RegExp(String.raw`^CREATE (?:UNIQUE )?INDEX (CONCURRENTLY )?(?:IF NOT EXISTS )?${ID} ON (?:ONLY )?${QNAME}`), text).map((m) => {
    const table = qualified(m[3], m[4]);
    return { key: `${table.schema ?? 'public'}.${m[2]!.replace(/""/g, '"')}`, concurrently: m[1] !== undefined };
  });
  const droppedIndexes = all(new RegExp(String.raw`^DROP INDEX (CONCURRENTLY )?(?:IF EXISTS )?${QNAME}`), text).map((m): IndexDropAt => {
    const start = m.index!;
    const end = statementEnd(text, start);
    return { index: qualified(m[2], m[3]), concurrently: m[1] !== undefined, start, end, statement: text.slice(start, end) };
  });
  const addedConstraints = all(new RegExp(String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?${QNAME} ADD CONSTRAINT ${ID} (FOREIGN KEY|CHECK)\b`), text).map((m): AddConstraintAt => {
    const start = m.index!;
    const end = statementEnd(text, start);
    return { table: qualified(m[1], m[2]), constraint: m[3]!.replace(/""/g, '"'), kind: m[4] === 'CHECK' ? 'check' : 'foreign-key', start, end, statement: text.slice(start, end) };
  });
  return { created, dropped, renamed, moved, renamedColumns, concurrentIndexes, createdIndexes, droppedIndexes, addedConstraints };
}

/** Joins statements the way drizzle-kit does for this file's `breakpoints` setting. */
export function joinStatements(statements: readonly string[], breakpoints: boolean): string {
  return statements.join(breakpoints ? `${BREAKPOINT}\n` : '\n');
}

/** An edit: the `CREATE TABLE` at `at` gets `partitionBy`, then `after` statements follow it. */
export interface CreateTableEdit {
  at: CreateTableAt;
  partitionBy: string;
  after: readonly string[];
}

/** An edit: the text from `start` to `end` becomes `text`. */
export interface TextReplacement {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies edits to a migration's text: appends `PARTITION BY` to partitioned
 * tables' `CREATE TABLE`, inserts their partitions right after, replaces the
 * `replacements`' text, and appends `trailing` statements at the end, `leading`
 * ones (version guards) at the start. Marks the file as processed.
 *
 * @example
 * ```ts
 * editMigration(text, [{ at, partitionBy: 'PARTITION BY RANGE ("at")', after: ['CREATE TABLE ...;'] }], [], true);
 * ```
 */
export function editMigration(
  text: string,
  edits: readonly CreateTableEdit[],
  trailing: readonly string[],
  breakpoints: boolean,
  leading: readonly string[] = [],
  replacements: readonly TextReplacement[] = [],
): string {
  const sep = breakpoints ? `${BREAKPOINT}\n` : '\n';
  let out = leading.length > 0 ? `${leading.join(sep)}${sep}` : '';
  let pos = 0;
  const ops = [...edits.map((e) => ({ start: e.at.start, edit: e })), ...replacements.map((r) => ({ start: r.start, replace: r }))].sort((a, b) => a.start - b.start);
  for (const op of ops) {
    if ('replace' in op) {
      out += text.slice(pos, op.replace.start) + op.replace.text;
      pos = op.replace.end;
      continue;
    }
    const e = op.edit;
    out += text.slice(pos, e.at.close + 1);
    out += ` ${e.partitionBy};`;
    // keep drizzle-kit's own line ending after the statement
    out += text.slice(e.at.close + 2, e.at.end);
    if (e.after.length > 0) out += breakpoints ? `${sep}${e.after.join(sep)}` : `${e.after.join('\n')}\n`;
    pos = e.at.end;
  }
  out += text.slice(pos);
  if (trailing.length > 0) {
    if (out.trim() === '') out = trailing.join(sep);
    else if (breakpoints) out = `${out}${sep}${trailing.join(sep)}`;
    else out = `${out.endsWith('\n') ? out : `${out}\n`}${trailing.join('\n')}`;
  }
  return `${PROCESSED_MARKER}\n${out}`;
}

/**
 * The text of a migration that runs outside a transaction: marked processed and
 * {@link NO_TRANSACTION_MARKER}, its statements joined as drizzle-kit joins them.
 *
 * @example
 * ```ts
 * noTransactionMigration(['CREATE INDEX CONCURRENTLY IF NOT EXISTS "events_kind_idx" ON "events" ("kind");'], true);
 * ```
 */
export function noTransactionMigration(statements: readonly string[], breakpoints: boolean): string {
  return `${PROCESSED_MARKER}\n${NO_TRANSACTION_MARKER}\n${joinStatements(statements, breakpoints)}`;
}

/** Whether a file runs outside a transaction ({@link NO_TRANSACTION_MARKER}). */
export function isNoTransaction(text: string): boolean {
  return text.split(/\r?\n/).some((l) => l.trim() === NO_TRANSACTION_MARKER);
}

/** Whether a file carries the processed marker. */
export function isProcessed(text: string): boolean {
  return text.startsWith(PROCESSED_MARKER);
}

/** Whether the user froze a file. */
export function isFrozen(text: string): boolean {
  return text.split('\n').some((l) => l.trim() === FROZEN_MARKER);
}
