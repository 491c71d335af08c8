/**
 * The `alignedWith` option of a maintenance policy, as written: a table or a
 * function returning one. Turned into a function here; the alignment itself is
 * checked in family.ts once both tables exist.
 */
import type { DefinitionErrorCode } from '../errors.js';

type Fail = (code: DefinitionErrorCode, message: string, hint?: string) => never;

/**
 * `alignedWith` as a function returning the table; calls `fail` when it is neither a table nor a function.
 *
 * @example
 * ```ts
 * familyTarget(tweets, fail)(); // tweets
 * ```
 */
export function familyTarget(input: unknown, fail: Fail): () => unknown {
  if (typeof input === 'function') return input as () => unknown;
  if (typeof input === 'object' && input !== null) return () => input;
  return fail('FAMILY_TARGET_INVALID', `maintenance.alignedWith ${String(input)} is not a table`, 'write alignedWith: tweets, or alignedWith: () => tweets when tweets is declared further down');
}
