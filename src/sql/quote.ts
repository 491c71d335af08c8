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
 * A qualified name as people read it, `public` when unqualified: for messages, reports
 * and keys, never for SQL (see {@link quoteQualified}).
 *
 * @example
 * ```ts
 * qualifiedLabel({ name: 'events' }); // 'public.events'
 * ```
 */
export function qualifiedLabel(q: { schema?: string | null | undefined; name: string }): string {
  return `${q.schema ?? 'public'}.${q.name}`;
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
 * A statement parameter as an SQL literal, for a statement that must carry its values
 * in its text (a multi-statement simple query has no bind parameters): strings through
 * {@link quoteLiteral}, finite numbers and bigints as numbers (negative ones in
 * parentheses), booleans, `null` as NULL, and arrays of those as an array literal
 * string (cast it in SQL: `$1::text[]`). Anything else is refused.
 *
 * @example
 * ```ts
 * parameterLiteral("O'Brien"); // "'O''Brien'"
 * parameterLiteral(['a', null]); // `'{"a",NULL}'`
 * ```
 */
export function parameterLiteral(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return quoteLiteral(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value))) {
    const text = value.toString();
    return text.startsWith('-') ? `(${text})` : text;
  }
  if (Array.isArray(value)) {
    const items = value.map((v) => {
      if (v === null) return 'NULL';
      if (typeof v === 'string') return `"${v.replace(/[\\"]/g, '\\$&')}"`;
      if (typeof v === 'boolean' || typeof v === 'bigint' || (typeof v === 'number' && Number.isFinite(v))) return v.toString();
      throw new QuotingError('LITERAL_INVALID', `array element ${String(v)} cannot be written as an SQL literal`);
    });
    return quoteLiteral(`{${items.join(',')}}`);
  }
  throw new QuotingError('LITERAL_INVALID', `parameter ${String(value)} (${typeof value}) cannot be written as an SQL literal`);
}

/**
 * `text` with each parameter reference `$1`, `$2`, ... replaced by its value as a
 * literal ({@link parameterLiteral}); references inside quoted strings, quoted names,
 * dollar-quoted bodies and comments are left alone. A reference past the end of
 * `params` is refused.
 *
 * @example
 * ```ts
 * inlineParameters('select $1::regclass', ['public.events']); // "select 'public.events'::regclass"
 * ```
 */
export function inlineParameters(text: string, params: readonly unknown[]): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    let skip = -1; // the end of a stretch copied as it is
    if (ch === "'" || ch === '"') {
      // a quoted string or name: a doubled quote stays inside it
      let j = i + 1;
      while (j < text.length && !(text[j] === ch && text[j + 1] !== ch)) j += text[j] === ch ? 2 : 1;
      skip = j + 1;
    } else if (ch === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      skip = nl < 0 ? text.length : nl;
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      skip = close < 0 ? text.length : close + 2;
    } else if (ch === '$') {
      const ref = /^\$(\d+)(?!\d)/.exec(text.slice(i, i + 12));
      const tag = ref ? null : /^\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text.slice(i, i + 70));
      if (ref && !/[A-Za-z_0-9]/.test(text[i - 1] ?? ' ')) {
        const k = Number(ref[1]) - 1;
        if (k < 0 || k >= params.length) throw new QuotingError('LITERAL_INVALID', `$${ref[1]} has no parameter (${params.length} given)`);
        out += parameterLiteral(params[k]);
        i += ref[0].length;
        continue;
      }
      if (tag && !/[A-Za-z_0-9]/.test(text[i - 1] ?? ' ')) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        skip = close < 0 ? text.length : close + tag[0].length;
      }
    }
    if (skip > i) {
      out += text.slice(i, skip);
      i = skip;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
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
