/**
 * The one quoting module. Every identifier and literal that reaches SQL, from the
 * migration post-processor and the runtime alike, goes through these functions.
 *
 * Identifiers are double-quoted with embedded quotes doubled; a name is never
 * split on dots (`"a.b"` is one name). Names longer than PostgreSQL's 63-byte
 * limit are refused instead of being silently truncated by the server.
 */
import { QuotingError } from '../errors.js';

/** PostgreSQL's NAMEDATALEN - 1: the longest identifier, in bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * A possibly schema-qualified object name, kept as separate parts.
 *
 * @example
 * ```ts
 * const target: QualifiedName = { schema: 'analytics', name: 'events' };
 * const tree = await listPartitions(db, target);
 * ```
 */
export interface QualifiedName {
  schema?: string | undefined;
  name: string;
}

/** Byte length of a name in UTF-8, the unit PostgreSQL limits. */
export function identifierBytes(name: string): number {
  return Buffer.byteLength(name, 'utf8');
}

/**
 * Checks that a name can be an identifier; returns a reason when it cannot.
 *
 * @example
 * ```ts
 * identifierProblem('a'.repeat(64)); // 'is 64 bytes long; PostgreSQL keeps at most 63'
 * ```
 */
export function identifierProblem(name: string): string | undefined {
  if (typeof name !== 'string') return `is not a string`;
  if (name.length === 0) return 'is empty';
  if (name.includes('\0')) return 'contains a NUL character';
  const bytes = identifierBytes(name);
  if (bytes > MAX_IDENTIFIER_BYTES) return `is ${bytes} bytes long; PostgreSQL keeps at most ${MAX_IDENTIFIER_BYTES}`;
  return undefined;
}

/**
 * Quotes one identifier: `my "table"` becomes `"my ""table"""`.
 *
 * @example
 * ```ts
 * quoteIdent('events.2026'); // '"events.2026"' (one name, not split)
 * ```
 */
export function quoteIdent(name: string): string {
  const problem = identifierProblem(name);
  if (problem) {
    const code = name === '' ? 'IDENTIFIER_EMPTY' : problem.includes('bytes') ? 'IDENTIFIER_TOO_LONG' : 'IDENTIFIER_INVALID';
    throw new QuotingError(code, `identifier ${JSON.stringify(name)} ${problem}`, 'choose a shorter name (PostgreSQL would silently truncate it)');
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes a schema-qualified name: `{ schema: 'analytics', name: 'events' }` becomes
 * `"analytics"."events"`; without a schema only the name is written.
 *
 * @example
 * ```ts
 * quoteQualified({ schema: 'analytics', name: 'events' }); // '"analytics"."events"'
 * ```
 */
export function quoteQualified(q: QualifiedName): string {
  return q.schema === undefined ? quoteIdent(q.name) : `${quoteIdent(q.schema)}.${quoteIdent(q.name)}`;
}

/**
 * Quotes a string literal. Single quotes are doubled; a string with a backslash is
 * written as an `E'...'` literal with the backslash doubled, so the result is the
 * same whatever `standard_conforming_strings` says.
 *
 * @example
 * ```ts
 * quoteLiteral("O'Brien"); // "'O''Brien'"
 * ```
 */
export function quoteLiteral(value: string): string {
  if (typeof value !== 'string') throw new QuotingError('LITERAL_INVALID', `literal ${String(value)} is not a string`);
  if (value.includes('\0')) throw new QuotingError('LITERAL_INVALID', `literal ${JSON.stringify(value)} contains a NUL character, which PostgreSQL text cannot hold`);
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** Renders a number or bigint as an SQL numeric literal, refusing NaN and infinities. */
export function numericLiteral(value: number | bigint | string): string {
  const text = typeof value === 'string' ? value : value.toString();
  if (!/^-?\d+(\.\d+)?$/.test(text)) {
    throw new QuotingError('LITERAL_INVALID', `${text} is not a finite decimal number`);
  }
  return text;
}

/**
 * `body` as a dollar-quoted string (for a `DO` block), with a tag `body` does not
 * contain, so no name inside it can end the quote early.
 *
 * @example
 * ```ts
 * dollarQuote('BEGIN RAISE NOTICE $$x$$; END'); // '$drizzle_partitions$BEGIN RAISE NOTICE $$x$$; END$drizzle_partitions$'
 * ```
 */
export function dollarQuote(body: string): string {
  let tag = '$drizzle_partitions$';
  for (let i = 1; body.includes(tag); i++) tag = `$drizzle_partitions_${i}$`;
  return `${tag}${body}${tag}`;
}
