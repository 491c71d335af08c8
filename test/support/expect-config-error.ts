/** Awaits `promise`, expecting it to reject with a ConfigError, and returns the error. */
import { expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';

export async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}
