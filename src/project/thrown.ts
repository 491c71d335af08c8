/**
 * Quoting what a user's config or schema file threw, for a ConfigError.
 */

/**
 * The message of whatever a file threw (an `Error` or anything else), for quoting
 * in a {@link ConfigError}.
 *
 * @example
 * ```ts
 * thrownMessage(new Error('boom')); // 'boom'
 * thrownMessage('oops');            // 'oops'
 * ```
 */
export function thrownMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'object' && thrown !== null && typeof (thrown as { message?: unknown }).message === 'string') {
    return (thrown as { message: string }).message;
  }
  return String(thrown);
}

/**
 * A fix for a file that failed to load, when the failure is one drizzle-kit 0.31
 * shares: files are `require()`d, so top-level `await` cannot work.
 *
 * @example
 * ```ts
 * loadFailureHint(new Error('Top-level await is currently not supported with the "cjs" output format'));
 * // 'drizzle-kit 0.31 loads configs and schemas with require() (through tsx), which cannot run top-level await: move the await into a function'
 * ```
 */
export function loadFailureHint(thrown: unknown): string | undefined {
  return /top-level await/i.test(thrownMessage(thrown))
    ? 'drizzle-kit 0.31 loads configs and schemas with require() (through tsx), which cannot run top-level await: move the await into a function'
    : undefined;
}
