/**
 * Renders drizzle `sql` expressions used as partition keys into DDL text: columns
 * unqualified (a partition key is evaluated on one table), values inlined as
 * literals through the quoting module. Anything that cannot be inlined is refused.
 */
import { Column, is, Param, SQL, StringChunk, Name, Placeholder, Table } from 'drizzle-orm';
import { QuotingError } from '../errors.js';
import { numericLiteral, quoteIdent, quoteLiteral } from './quote.js';

type Visit = { column(col: Column): string; fail(what: string): never };

function literal(value: unknown, v: Visit): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return quoteLiteral(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numericLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return quoteLiteral(value.toISOString());
  return v.fail(`contains a value of type ${typeof value} that cannot be written as a literal`);
}

function walk(chunks: readonly unknown[], v: Visit): string {
  return chunks
    .map((chunk): string => {
      // drizzle-orm 0.x keeps a StringChunk's text as string[], 1.0 as a string
      if (is(chunk, StringChunk)) return Array.isArray(chunk.value) ? chunk.value.join('') : String(chunk.value);
      if (is(chunk, SQL)) return walk(chunk.queryChunks, v);
      if (is(chunk, Name)) return quoteIdent(chunk.value);
      if (is(chunk, Column)) return v.column(chunk);
      if (is(chunk, Placeholder)) return v.fail('contains a placeholder; a partition key cannot take parameters');
      if (is(chunk, Param)) return literal(chunk.value, v);
      if (is(chunk, Table)) return v.fail('refers to a table; a partition key can only use the columns of its own table');
      if (Array.isArray(chunk)) return `(${chunk.map((c) => walk([c], v)).join(', ')})`;
      if (chunk === undefined) return '';
      if (typeof chunk === 'object' && chunk !== null && !(chunk instanceof Date)) {
        return v.fail('contains an object that is not a column, literal or sql`` fragment');
      }
      return literal(chunk, v);
    })
    .join('');
}

/**
 * Renders `sqlExpr` with columns named by `columnName`.
 *
 * @example
 * ```ts
 * renderExpression(sql`date_trunc('day', ${t.createdAt})`, (c) => c.name); // `date_trunc('day', "created_at")`
 * ```
 */
export function renderExpression(sqlExpr: SQL, columnName: (col: Column) => string): string {
  return walk([sqlExpr], {
    column: (c) => quoteIdent(columnName(c)),
    fail: (what) => {
      // unreachable for a checked definition (expressionProblem runs when the schema loads)
      throw new QuotingError('EXPRESSION_UNRENDERABLE', `partition key expression ${what}`, 'write the key expression with columns, literals and sql`` fragments only');
    },
  });
}

/** How expressionProblem's walk stops at the first problem. */
class Unsupported {
  constructor(readonly problem: string) {}
}

/** Why `sqlExpr` cannot be a key expression of the table whose columns `owns` accepts, or undefined. */
export function expressionProblem(sqlExpr: SQL, owns: (col: Column) => boolean): string | undefined {
  try {
    walk([sqlExpr], {
      column: (c) => {
        if (!owns(c)) throw new Unsupported(`uses column "${c.name}" of another table`);
        return 'x';
      },
      fail: (what) => {
        throw new Unsupported(what);
      },
    });
    return undefined;
  } catch (e) {
    if (e instanceof Unsupported) return e.problem;
    throw e;
  }
}
