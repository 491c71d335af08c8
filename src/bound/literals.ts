/**
 * Renders partition bound values as SQL literals, per key type: dates as
 * `'2026-01-01'`, timestamptz in UTC as `'2026-01-01 00:00:00+00'`, integers and
 * numerics bare, everything else as a quoted string the server casts to the key's type.
 */
import type { BoundValue, PartitionBound } from './values.js';
import { numericLiteral, quoteLiteral } from '../sql/quote.js';

/**
 * One bound value as SQL.
 *
 * @example
 * ```ts
 * boundLiteral({ kind: 'timestamptz', text: '2026-01-01 00:00:00', ord: 0n }); // "'2026-01-01 00:00:00+00'"
 * ```
 */
export function boundLiteral(v: BoundValue): string {
  switch (v.kind) {
    case 'minvalue':
      return 'MINVALUE';
    case 'maxvalue':
      return 'MAXVALUE';
    case 'null':
      return 'NULL';
    case 'timestamptz':
      return quoteLiteral(`${v.text}+00`);
    case 'integer':
    case 'numeric':
      return numericLiteral(v.text);
    case 'boolean':
      return v.text === 'true' ? 'TRUE' : 'FALSE';
    case 'other':
      return v.quoted ? quoteLiteral(v.text) : numericLiteral(v.text);
    default:
      return quoteLiteral(v.text);
  }
}

/**
 * The bound clause of a partition: `FOR VALUES FROM (...) TO (...)`,
 * `FOR VALUES IN (...)`, `FOR VALUES WITH (MODULUS m, REMAINDER r)` or `DEFAULT`.
 *
 * @example
 * ```ts
 * boundClause({ kind: 'hash', modulus: 4, remainder: 1 }); // 'FOR VALUES WITH (MODULUS 4, REMAINDER 1)'
 * ```
 */
export function boundClause(bound: PartitionBound): string {
  switch (bound.kind) {
    case 'range':
      return `FOR VALUES FROM (${bound.from.map(boundLiteral).join(', ')}) TO (${bound.to.map(boundLiteral).join(', ')})`;
    case 'list':
      return `FOR VALUES IN (${bound.values.map(boundLiteral).join(', ')})`;
    case 'hash':
      return `FOR VALUES WITH (MODULUS ${numericLiteral(bound.modulus)}, REMAINDER ${numericLiteral(bound.remainder)})`;
    case 'default':
      return 'DEFAULT';
  }
}
