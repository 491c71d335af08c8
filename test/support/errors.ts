/**
 * What the tests of refusals share: the error a call throws, or a promise rejects with,
 * asserted to be one of this package's typed errors.
 */
import { expect } from 'vitest';
import { DrizzlePartitionsError } from '../../src/errors.js';

/** The DrizzlePartitionsError `fn` throws (the test fails if it throws nothing, or something else). */
export function thrown(fn: () => unknown): DrizzlePartitionsError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'must throw').toBeInstanceOf(DrizzlePartitionsError);
  return error as DrizzlePartitionsError;
}

/** The DrizzlePartitionsError `p` rejects with (the test fails if it resolves, or rejects with something else). */
export async function rejected(p: Promise<unknown>): Promise<DrizzlePartitionsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'must be refused').toBeInstanceOf(DrizzlePartitionsError);
  return e as DrizzlePartitionsError;
}
