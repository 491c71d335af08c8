/**
 * A maintenance session: one pinned connection with the settings maintenance
 * relies on (UTC, ISO dates, standard strings, exact floats: bounds print the same for
 * every user), put back as they were
 * before the connection returns to the application's pool.
 */
import { withExecutor, type DatabaseLike, type Executor } from './executor.js';

/**
 * Runs `fn` on a pinned connection set to UTC, ISO dates, standard strings and exact floats;
 * the executor restores the connection's own settings afterwards, even on a throw.
 *
 * @example
 * ```ts
 * await withSession(db, (ex) => ex.query('select 1'));
 * ```
 */
export async function withSession<T>(db: DatabaseLike, fn: (ex: Executor) => Promise<T>): Promise<T> {
  // The catalog prints bounds in the session's zone, date style, string escaping and
  // float digits: pin them so bounds read back the same everywhere. They are made in the
  // statement that pins the connection (one round trip), and withExecutor puts the
  // connection's session settings back as they were.
  return withExecutor(db, fn, { settings: SESSION_SETTINGS });
}

/**
 * {@link withSession} for the reads of plan() and listPartitions(), with its settings
 * made per statement rather than for the session (`settingsScope: 'statement'`): each
 * read goes as one message that makes them locally and then runs the statement, so a
 * read is one round trip and nothing is sent to set the connection up or give it back.
 * Transactions are refused on it. JIT is off as
 * well: the planner costs the catalog query by estimates that grow with the partitions
 * (the recursive walk of pg_inherits is guessed at ten times its rows), which passes
 * `jit_above_cost` and made PostgreSQL compile it first: 110 of 150 ms at 1,000
 * partitions (PostgreSQL 15, measured with EXPLAIN ANALYZE). Nothing these sessions
 * run gains from JIT.
 *
 * @example
 * ```ts
 * const tree = await withReadSession(db, (ex) => readTree(ex, { schema: 'public', name: 'events' }));
 * ```
 */
export async function withReadSession<T>(db: DatabaseLike, fn: (ex: Executor) => Promise<T>): Promise<T> {
  // The settings go with each statement (settingsScope 'statement'): nothing is sent to
  // set the connection up or to give it back, so plan() of a table whose default
  // partition is empty is one round trip.
  return withExecutor(db, fn, { settings: { ...SESSION_SETTINGS, jit: 'off' }, settingsScope: 'statement' });
}

/**
 * What every maintenance session runs with: the settings that change how the catalog
 * prints a bound's values. Besides zone, date style and string escaping: floats printed
 * exactly (`extra_float_digits = 1`, the default since PostgreSQL 12; at 0 or below
 * `1.0000000000000002` prints as `1`), and intervals and bytea in their default forms
 * (keys of those types are compared as printed).
 */
const SESSION_SETTINGS = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  standard_conforming_strings: 'on',
  extra_float_digits: '1',
  IntervalStyle: 'postgres',
  bytea_output: 'hex',
} as const;
