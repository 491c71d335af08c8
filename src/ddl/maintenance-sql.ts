/**
 * SQL the runtime maintenance runs besides plain partition DDL: building a new
 * partition beside its parent with a CHECK that matches its bound (so ATTACH does
 * not scan), moving rows out of the default partition, marking,
 * retiring. Rendered here, through the quoting module, like all partition SQL.
 */
import type { BoundValue, PartitionBound } from '../bound/values.js';
import { boundLiteral } from '../bound/literals.js';
import { quoteIdent, quoteLiteral, quoteQualified, type QualifiedName } from '../sql/quote.js';

/**
 * `CREATE TABLE child (LIKE parent INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING GENERATED);`
 * — a table shaped like its parent, to be attached later (itself partitioned when
 * `partitionBy` is given). Indexes are not copied: ATTACH builds the parent's
 * indexes on it (instantly, while it is empty).
 *
 * @example
 * ```ts
 * createLikeSql({ schema: 'public', name: 'events_p20260101' }, { schema: 'public', name: 'events' });
 * ```
 */
export function createLikeSql(child: QualifiedName, parent: QualifiedName, partitionBy?: string): string {
  return `CREATE TABLE ${quoteQualified(child)} (LIKE ${quoteQualified(parent)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING GENERATED)${partitionBy ? ` ${partitionBy}` : ''};`;
}

/** The predicate `"key" >= from AND "key" < to` (an open end is left out), NULLs excluded. */
export function rangePredicate(keyColumn: string, from: BoundValue, to: BoundValue): string {
  return rangeRowsPredicate([quoteIdent(keyColumn)], [from], [to]);
}

/**
 * One side of a range bound as PostgreSQL reads it: the keys up to the first
 * MINVALUE/MAXVALUE compared as a row (`(a, b) >= (1, 2)`); the infinite value
 * decides whether the prefix itself is in (`>=`/`<=`) or out (`>`/`<`).
 */
function rangeSide(keys: readonly string[], values: readonly BoundValue[], side: 'from' | 'to'): string | undefined {
  const inf = values.findIndex((v) => v.kind === 'minvalue' || v.kind === 'maxvalue');
  const n = inf < 0 ? values.length : inf;
  if (n === 0) return undefined; // MINVALUE from / MAXVALUE to: no limit on this side
  const infinite = inf < 0 ? undefined : values[inf]!.kind;
  const op = side === 'from' ? (infinite === 'maxvalue' ? '>' : '>=') : infinite === 'maxvalue' ? '<=' : '<';
  const row = (xs: readonly string[]) => (xs.length === 1 ? xs[0]! : `(${xs.join(', ')})`);
  return `${row(keys.slice(0, n))} ${op} ${row(values.slice(0, n).map(boundLiteral))}`;
}

/**
 * The rows of a RANGE partition over `keys` (each the SQL of one key: a quoted
 * column or a parenthesised expression): every key NOT NULL (a NULL key goes to
 * the default partition), at or above `from` and below `to`, compared as rows.
 *
 * @example
 * ```ts
 * rangeRowsPredicate(['"a"', '"b"'], [int(1), int(0)], [int(2), { kind: 'minvalue' }]);
 * // '"a" IS NOT NULL AND "b" IS NOT NULL AND ("a", "b") >= (1, 0) AND "a" < 2'
 * ```
 */
export function rangeRowsPredicate(keys: readonly string[], from: readonly BoundValue[], to: readonly BoundValue[]): string {
  const parts = keys.map((k) => `${k} IS NOT NULL`);
  for (const side of [rangeSide(keys, from, 'from'), rangeSide(keys, to, 'to')]) if (side) parts.push(side);
  return parts.join(' AND ');
}

/**
 * `ALTER TABLE t ADD CONSTRAINT c CHECK (predicate) [NOT VALID];`
 *
 * @example
 * ```ts
 * addCheckSql({ name: 'events_p1' }, 'events_p1_bound', '"at" IS NOT NULL');
 * ```
 */
export function addCheckSql(table: QualifiedName, constraint: string, predicate: string, notValid = false): string {
  return `ALTER TABLE ${quoteQualified(table)} ADD CONSTRAINT ${quoteIdent(constraint)} CHECK (${predicate})${notValid ? ' NOT VALID' : ''};`;
}

/** `ALTER TABLE t DROP CONSTRAINT IF EXISTS c;` */
export function dropConstraintSql(table: QualifiedName, constraint: string): string {
  return `ALTER TABLE ${quoteQualified(table)} DROP CONSTRAINT IF EXISTS ${quoteIdent(constraint)};`;
}

/**
 * `ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (cols) REFERENCES r (refs);` — a
 * partition family's partition-to-partition foreign key.
 *
 * @example
 * ```ts
 * addForeignKeySql({ schema: 'public', name: 'retweets_p20260101' }, 'retweets_p20260101_fk0', ['tweet_id', 'at'], { schema: 'public', name: 'tweets_p20260101' }, ['id', 'at']);
 * ```
 */
export function addForeignKeySql(table: QualifiedName, constraint: string, columns: readonly string[], references: QualifiedName, referencedColumns: readonly string[]): string {
  const list = (names: readonly string[]) => names.map(quoteIdent).join(', ');
  return `ALTER TABLE ${quoteQualified(table)} ADD CONSTRAINT ${quoteIdent(constraint)} FOREIGN KEY (${list(columns)}) REFERENCES ${quoteQualified(references)} (${list(referencedColumns)});`;
}

/** `COMMENT ON TABLE t IS '...';` */
export function commentOnTableSql(table: QualifiedName, comment: string): string {
  return `COMMENT ON TABLE ${quoteQualified(table)} IS ${quoteLiteral(comment)};`;
}

/**
 * Copies every row matching `predicate` from `from` into `to` (naming the columns:
 * `columns` are those the copy carries, generated columns are computed again;
 * `OVERRIDING SYSTEM VALUE` keeps identity values) and returns the count as `n`.
 * With {@link deleteMovedRowsSql} in the same transaction, holding `from`, it moves them:
 * faster than one DELETE ... RETURNING feeding the INSERT (measured: about 1.2 s
 * against 1.4-1.7 s for 850,000 rows).
 *
 * @example
 * ```ts
 * copyRowsSql({ name: 'events_default' }, { name: 'events_p20260101' }, rangePredicate('at', from, to), ['id', 'at', 'payload']);
 * ```
 */
export function copyRowsSql(from: QualifiedName, to: QualifiedName, predicate: string, columns: readonly string[]): string {
  const cols = columns.map(quoteIdent).join(', ');
  return `WITH copied AS (INSERT INTO ${quoteQualified(to)} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM ${quoteQualified(from)} WHERE ${predicate} RETURNING 1) SELECT count(*)::int8::text AS n FROM copied`;
}

/**
 * `DELETE FROM from WHERE predicate AND EXISTS (SELECT 1 FROM to);` — the second half of
 * a move after {@link copyRowsSql} in the same transaction, holding `from`: it deletes
 * exactly the rows copied. When the copy found none (`to` is still empty), the
 * EXISTS, evaluated once before the scan, skips the scan of `from` altogether: the
 * delete can follow the copy in the same round trip without reading `from` again
 * for nothing (it does when `to` held rows of its own, and then deletes none).
 *
 * @example
 * ```ts
 * deleteMovedRowsSql({ name: 'events_default' }, { name: 'events_p20260101' }, rangePredicate('at', from, to));
 * ```
 */
export function deleteMovedRowsSql(from: QualifiedName, to: QualifiedName, predicate: string): string {
  return `DELETE FROM ${quoteQualified(from)} WHERE ${predicate} AND EXISTS (SELECT 1 FROM ${quoteQualified(to)});`;
}

/**
 * `SELECT count(*) ... LIMIT`: the rows of `table` (matching `predicate`), counted up
 * to `limit` — enough to tell "more than the limit" without reading a huge table.
 *
 * @example
 * ```ts
 * countUpToSql({ name: 'events_default' }, undefined, 1_000_001);
 * ```
 */
export function countUpToSql(table: QualifiedName, predicate: string | undefined, limit: number): string {
  return `SELECT count(*)::int8::text AS n FROM (SELECT 1 FROM ${quoteQualified(table)}${predicate ? ` WHERE ${predicate}` : ''} LIMIT ${limit}) s`;
}

/**
 * `SET LOCAL synchronous_commit = off`: the transaction commits without waiting for
 * its WAL to reach the disk. A crash of the server can lose only the latest such
 * transactions, whole and in commit order; a later commit that waits takes them
 * along ({@link FLUSH_SQL}).
 */
export const NO_FLUSH_WAIT_SQL = 'SET LOCAL synchronous_commit = off';

/** A transaction that writes its commit record and waits for it (at the session's synchronous_commit): every transaction committed before it is on disk. */
export const FLUSH_SQL = 'SELECT pg_catalog.txid_current() IS NOT NULL AS ok';

/** `LOCK TABLE ONLY t IN ACCESS EXCLUSIVE MODE;` — every statement on `t` waits at `t`, before it reads its partitions (ONLY: the partitions themselves are not locked, so nobody using one by name holds the step up). */
export function lockExclusiveSql(table: QualifiedName): string {
  return lockTableSql(table, 'ACCESS EXCLUSIVE');
}

/**
 * `LOCK TABLE ONLY t IN <mode> MODE;` (ONLY: not its partitions).
 *
 * @example
 * ```ts
 * lockTableSql({ name: 'events' }, 'SHARE UPDATE EXCLUSIVE'); // what ATTACH PARTITION takes on the parent: reads and writes go on
 * ```
 */
export function lockTableSql(table: QualifiedName, mode: 'ACCESS EXCLUSIVE' | 'SHARE UPDATE EXCLUSIVE'): string {
  return `LOCK TABLE ONLY ${quoteQualified(table)} IN ${mode} MODE;`;
}

/** `SELECT count(*)::int8::text AS n FROM t WHERE predicate` (text: exact beyond 2^53). */
export function countRowsSql(table: QualifiedName, predicate: string): string {
  return `SELECT count(*)::int8::text AS n FROM ${quoteQualified(table)} WHERE ${predicate}`;
}

/** `ALTER TABLE t SET SCHEMA s;` */
export function setSchemaSql(table: QualifiedName, schema: string): string {
  return `ALTER TABLE ${quoteQualified(table)} SET SCHEMA ${quoteIdent(schema)};`;
}

/** `ALTER TABLE t SET TABLESPACE ts;` (rewrites the table under an exclusive lock on it). */
export function setTablespaceSql(table: QualifiedName, tablespace: string): string {
  return `ALTER TABLE ${quoteQualified(table)} SET TABLESPACE ${quoteIdent(tablespace)};`;
}

/**
 * `ALTER INDEX i SET TABLESPACE ts;` (rewrites the index under an exclusive lock on it;
 * on a partitioned index it only records where its future children go).
 *
 * @example
 * ```ts
 * setIndexTablespaceSql({ schema: 'public', name: 'events_p20250101_pkey' }, 'cold'); // 'ALTER INDEX "public"."events_p20250101_pkey" SET TABLESPACE "cold";'
 * ```
 */
export function setIndexTablespaceSql(index: QualifiedName, tablespace: string): string {
  return `ALTER INDEX ${quoteQualified(index)} SET TABLESPACE ${quoteIdent(tablespace)};`;
}

/**
 * `SET LOCAL default_tablespace = 'ts'`: tables and indexes the rest of the transaction
 * makes without naming a tablespace (LIKE, PARTITION OF, the indexes ATTACH builds) go there.
 *
 * @example
 * ```ts
 * localDefaultTablespaceSql('fast'); // "SET LOCAL default_tablespace = 'fast'"
 * ```
 */
export function localDefaultTablespaceSql(tablespace: string): string {
  return `SET LOCAL default_tablespace = ${quoteLiteral(tablespace)}`;
}

/** `ALTER TABLE t VALIDATE CONSTRAINT c;` (reads the table under SHARE UPDATE EXCLUSIVE: writes go on). */
export function validateConstraintSql(table: QualifiedName, constraint: string): string {
  return `ALTER TABLE ${quoteQualified(table)} VALIDATE CONSTRAINT ${quoteIdent(constraint)};`;
}

/** `CREATE SCHEMA IF NOT EXISTS s;` */
export function createSchemaSql(schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`;
}

/** `SELECT max("key")::text AS v FROM t` — the highest key, as text. */
export function maxKeySql(table: QualifiedName, keyColumn: string): string {
  return `SELECT max(${quoteIdent(keyColumn)})::text AS v FROM ${quoteQualified(table)}`;
}

/** The predicate `"key" IN (...)` for a LIST partition's values (NULL via IS NULL). */
export function listPredicate(keyColumn: string, values: readonly BoundValue[]): string {
  return listRowsPredicate(quoteIdent(keyColumn), values);
}

/** The predicate `key IN (...)` (NULL via IS NULL) over `key`, the SQL of the key (a quoted column or an expression). */
function listRowsPredicate(key: string, values: readonly BoundValue[]): string {
  const nonNull = values.filter((v) => v.kind !== 'null');
  const parts: string[] = [];
  if (nonNull.length > 0) parts.push(`${key} IN (${nonNull.map(boundLiteral).join(', ')})`);
  if (nonNull.length < values.length) parts.push(`${key} IS NULL`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

/** `SELECT EXISTS (SELECT 1 FROM t) AS any` */
export function anyRowsSql(table: QualifiedName): string {
  return `SELECT EXISTS (SELECT 1 FROM ${quoteQualified(table)}) AS any`;
}

/**
 * The predicate that selects the rows of `bound` (single-column RANGE or LIST);
 * undefined for expression keys, multi-column ranges, hash and default bounds.
 *
 * @example
 * ```ts
 * boundPredicate('tenant', { kind: 'list', values: [{ kind: 'text', text: 'acme' }] }); // "tenant" IN ('acme')
 * ```
 */
export function boundPredicate(keyColumn: string | null, bound: PartitionBound): string | undefined {
  if (!keyColumn) return undefined;
  if (bound.kind === 'range' && bound.from.length !== 1) return undefined;
  return boundRowsPredicate([quoteIdent(keyColumn)], bound);
}

/**
 * The predicate that selects the rows of `bound` over `keys` (the SQL of each key,
 * as `PARTITION BY` lists them): RANGE over any number of keys, LIST; undefined
 * for hash and default bounds, which no predicate here describes.
 *
 * @example
 * ```ts
 * boundRowsPredicate(['(lower("region"))'], { kind: 'list', values: [{ kind: 'text', text: 'eu' }] }); // (lower("region")) IN ('eu')
 * ```
 */
export function boundRowsPredicate(keys: readonly string[], bound: PartitionBound): string | undefined {
  if (bound.kind === 'range' && bound.from.length === keys.length) return rangeRowsPredicate(keys, bound.from, bound.to);
  if (bound.kind === 'list' && keys.length === 1) return listRowsPredicate(keys[0]!, bound.values);
  return undefined;
}

/**
 * Whether rows of `from` reference, through `fromColumns` → `toColumns`, rows of
 * `referenced` (one boolean row, `hit`): of those rows, only the ones `predicate`
 * selects when it is given; with `exceptTablesParam`, rows of `from` that lie in the
 * tables named (quoted, qualified) in the text array parameter `$1` do not count
 * (those a plan retires before).
 *
 * @example
 * ```ts
 * referencingRowsExistSql({ schema: 'public', name: 'likes' }, ['tweet_id', 'at'], { schema: 'public', name: 'tweets_default' }, ['id', 'at'], { predicate: '"at" >= ...' });
 * // select exists (select 1 from "public"."likes" as x where (x."tweet_id", x."at") in (select y."id", y."at" from "public"."tweets_default" as y where ...)) as hit
 * ```
 */
export function referencingRowsExistSql(
  from: QualifiedName,
  fromColumns: readonly string[],
  referenced: QualifiedName,
  toColumns: readonly string[],
  opts: { predicate?: string; exceptTablesParam?: boolean } = {},
): string {
  const cols = (alias: string, names: readonly string[]) => names.map((n) => `${alias}.${quoteIdent(n)}`).join(', ');
  const which = opts.predicate ? ` where ${opts.predicate}` : '';
  const except = opts.exceptTablesParam ? ` and x.tableoid <> all (array(select to_regclass(n)::oid from unnest($1::text[]) as n where to_regclass(n) is not null))` : '';
  return `select exists (select 1 from ${quoteQualified(from)} as x where (${cols('x', fromColumns)}) in (select ${cols('y', toColumns)} from ${quoteQualified(referenced)} as y${which})${except}) as hit`;
}
