/**
 * What the migrator recognises in a statement of a migration that runs outside a
 * transaction, so that each can be rerun after a failure at any point: a
 * concurrent index build or drop, a constraint added or validated, a concurrent detach. Only
 * the head of a statement is read; the rest is passed on as written.
 */
import type { QualifiedName } from '../sql/quote.js';
import { stripComments } from './files.js';

/**
 * A statement, as far as the migrator needs to know it.
 *
 * @example
 * ```ts
 * const s: RecognisedStatement = recognise('CREATE INDEX CONCURRENTLY "i" ON "t" ("a");');
 * if (s.kind === 'create-index-concurrently') s.table; // { name: 't' }
 * ```
 */
export type RecognisedStatement =
  | {
      kind: 'create-index-concurrently';
      unique: boolean;
      /** Absent when the statement lets PostgreSQL name the index. */
      name: string | undefined;
      table: QualifiedName;
      /** Everything after the table name: `USING btree ("a") WHERE ...`. */
      rest: string;
    }
  | { kind: 'drop-index-concurrently'; ifExists: boolean; index: QualifiedName; rest: string }
  | { kind: 'add-constraint'; table: QualifiedName; name: string }
  | { kind: 'validate-constraint'; table: QualifiedName; name: string }
  | { kind: 'detach-concurrently'; parent: QualifiedName; partition: QualifiedName }
  | { kind: 'other' };

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;

/** An identifier as PostgreSQL reads it: quoted kept as written, bare folded to lower case. */
function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replaceAll('""', '"') : ident.toLowerCase();
}

function qualified(text: string): QualifiedName {
  const parts = [...text.matchAll(new RegExp(IDENT, 'g'))].map((m) => unquote(m[0]));
  return parts.length === 2 ? { schema: parts[0], name: parts[1]! } : { name: parts[0]! };
}

const CREATE_INDEX = new RegExp(String.raw`^CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:(?!ON\s)(${IDENT})\s+)?ON\s+(?!ONLY\s)(${QUALIFIED})([\s\S]*)$`, 'i');
const DROP_INDEX = new RegExp(String.raw`^DROP\s+INDEX\s+CONCURRENTLY\s+(IF\s+EXISTS\s+)?(${QUALIFIED})(\s*(?:CASCADE|RESTRICT)?\s*;?\s*)$`, 'i');
const ADD_CONSTRAINT = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${QUALIFIED})\s+ADD\s+CONSTRAINT\s+(${IDENT})\s`, 'i');
const VALIDATE = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${QUALIFIED})\s+VALIDATE\s+CONSTRAINT\s+(${IDENT})\s*;?\s*$`, 'i');
const DETACH = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${QUALIFIED})\s+DETACH\s+PARTITION\s+(${QUALIFIED})\s+CONCURRENTLY\s*;?\s*$`, 'i');

/**
 * Reads the head of one statement (comments ignored).
 *
 * @example
 * ```ts
 * recognise('DROP INDEX CONCURRENTLY IF EXISTS "app"."i";'); // { kind: 'drop-index-concurrently', ifExists: true, index: { schema: 'app', name: 'i' }, rest: ';' }
 * ```
 */
export function recognise(statement: string): RecognisedStatement {
  const text = stripComments(statement).trim();
  let m = CREATE_INDEX.exec(text);
  if (m) {
    // `CREATE INDEX CONCURRENTLY ON t` (no name): the ON is the table's, not a name's
    return { kind: 'create-index-concurrently', unique: !!m[1], name: m[2] ? unquote(m[2]) : undefined, table: qualified(m[3]!), rest: m[4]! };
  }
  m = DROP_INDEX.exec(text);
  if (m) return { kind: 'drop-index-concurrently', ifExists: !!m[1], index: qualified(m[2]!), rest: m[3]!.trim() };
  m = DETACH.exec(text);
  if (m) return { kind: 'detach-concurrently', parent: qualified(m[1]!), partition: qualified(m[2]!) };
  m = VALIDATE.exec(text);
  if (m) return { kind: 'validate-constraint', table: qualified(m[1]!), name: unquote(m[2]!) };
  m = ADD_CONSTRAINT.exec(text);
  if (m) return { kind: 'add-constraint', table: qualified(m[1]!), name: unquote(m[2]!) };
  return { kind: 'other' };
}

/** Whether the statement runs CONCURRENTLY (waits for others without blocking them). */
export function isConcurrent(statement: string): boolean {
  return /\bCONCURRENTLY\b/i.test(stripComments(statement));
}

/**
 * The first line of a statement, shortened: what progress and errors show of it.
 *
 * @example
 * ```ts
 * statementExcerpt('\nCREATE INDEX CONCURRENTLY "i" ON "t" ("a");'); // 'CREATE INDEX CONCURRENTLY "i" ON "t" ("a");'
 * ```
 */
export function statementExcerpt(statement: string, max = 100): string {
  const line = stripComments(statement).trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** What PostgreSQL version a construct needs: the oldest server that runs it. */
export interface VersionNeed {
  /** e.g. 140000 */
  versionNum: number;
  /** What needs it, e.g. `DETACH PARTITION ... CONCURRENTLY`. */
  what: string;
}

/**
 * Constructs of migrations that older servers refuse (PostgreSQL 13 is the oldest
 * this package supports), checked on PostgreSQL 13, 15 and 18.
 */
const NEEDS: readonly { pattern: RegExp; versionNum: number; what: string }[] = [
  { pattern: /\bDETACH\s+PARTITION\s+\S+\s+(CONCURRENTLY|FINALIZE)\b/i, versionNum: 140000, what: 'DETACH PARTITION ... CONCURRENTLY' },
  { pattern: /\bNULLS\s+NOT\s+DISTINCT\b/i, versionNum: 150000, what: 'NULLS NOT DISTINCT' },
  { pattern: /\bGENERATED\s+ALWAYS\s+AS\s*\([\s\S]*\)\s*VIRTUAL\b/i, versionNum: 180000, what: 'virtual generated columns' },
  { pattern: /\bNOT\s+ENFORCED\b/i, versionNum: 180000, what: 'NOT ENFORCED constraints' },
];

/** The guard requireServerVersionSql() writes (src/ddl/partition-ddl.ts). */
const GUARD = /current_setting\('server_version_num'\)::int\s*<\s*(\d+)\s+THEN\s+RAISE\s+EXCEPTION\s+'drizzle-partitions: ((?:[^']|'')*?) need PostgreSQL/gi;

/**
 * What the statements need of the server: the constructs older servers refuse,
 * and the version guards this package writes into migrations (identity columns on
 * a partitioned table need PostgreSQL 17).
 *
 * @example
 * ```ts
 * versionNeeds('ALTER TABLE "t" DETACH PARTITION "p" CONCURRENTLY;'); // [{ versionNum: 140000, what: 'DETACH PARTITION ... CONCURRENTLY' }]
 * ```
 */
export function versionNeeds(sql: string): VersionNeed[] {
  const text = stripComments(sql);
  const found: VersionNeed[] = NEEDS.filter((n) => n.pattern.test(text)).map(({ versionNum, what }) => ({ versionNum, what }));
  for (const m of sql.matchAll(GUARD)) found.push({ versionNum: Number(m[1]), what: m[2]!.replaceAll("''", "'") });
  return found;
}

const TABLE_TARGET = new RegExp(String.raw`^(?:ALTER|DROP|CREATE)\s+TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:ONLY\s+)?(${QUALIFIED})|^CREATE\s+(?:UNIQUE\s+)?INDEX\b[\s\S]*?\sON\s+(?:ONLY\s+)?(${QUALIFIED})`, 'i');

/**
 * The table a statement is about, when its head says (`ALTER TABLE x`, `CREATE INDEX
 * ... ON x`): whose lock holders a lock timeout reports.
 *
 * @example
 * ```ts
 * statementTable('ALTER TABLE "app"."events" ADD COLUMN "x" int;'); // { schema: 'app', name: 'events' }
 * ```
 */
export function statementTable(statement: string): QualifiedName | undefined {
  const m = TABLE_TARGET.exec(stripComments(statement).trim());
  const text = m?.[1] ?? m?.[2];
  return text ? qualified(text) : undefined;
}
