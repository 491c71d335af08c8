/**
 * A maintenance session: one pinned connection with the settings maintenance
 * relies on (UTC, ISO dates, standard strings: bounds print the same for every
 * user), put back as they were
 * before the connection returns to the application's pool.
 */
import { withExecutor, type DatabaseLike, type Executor } from './executor.js';

/**
 * Runs `fn` on a pinned connection set to UTC, ISO dates and standard strings;
 * the executor restores the connection's own settings afterwards, even on a throw.
 *
 * @example
 * ```ts
 * await withSession(db, (ex) => ex.query('select 1'));
 * ```
 */
export async function withSession<T>(db: DatabaseLike, fn: (ex: Executor) => Promise<T>): Promise<T> {
  return withExecutor(db, async (ex) => {
    // The catalog prints bounds in the session's zone, date style and string
    // escaping: pin all three so bounds read back the same everywhere.
    await ex.query(`SET TimeZone = 'UTC'`);
    await ex.query(`SET DateStyle = 'ISO, YMD'`);
    await ex.query(`SET standard_conforming_strings = on`);
    // withExecutor puts the connection's session settings back as they were.
    return fn(ex);
  });
}
