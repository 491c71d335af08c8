/**
 * The runtime's one way to talk to PostgreSQL, over whatever the application has:
 * a drizzle database (its `$client`) or the raw client of postgres.js, node-postgres
 * or PGlite. Drivers are recognised by their shape, never with `instanceof`, since the
 * application's copy of a driver is not ours.
 *
 * Maintenance needs one pinned connection (session advisory locks, `SET lock_timeout`,
 * `SET TimeZone`, and statements such as `DETACH PARTITION ... CONCURRENTLY` that must
 * run outside a transaction block), so {@link withExecutor} takes a dedicated
 * connection from a pool for the duration of its callback and gives it back as it
 * found it.
 *
 * Rows come back as the driver returns them:
 * - `bigint` (int8, `count(*)`) and `numeric` arrive as strings from node-postgres and
 *   postgres.js but int8 arrives as a number from PGlite; cast in SQL (`::int`,
 *   `::text`) whenever the type matters.
 * - Type parsers and postgres.js `transform`s the application configured apply to our
 *   rows too (a camel-case column transform turns `max_key` into `maxKey`): alias
 *   columns with single lower-case words (`as v`, `as name`), which no transform changes.
 * - Parameters should be simple values: strings, finite numbers, booleans, `null`
 *   (postgres.js refuses `undefined`); cast them in SQL (`$1::int`, `$2::text`).
 *
 * When a pinned connection fails (its backend terminated, the network gone), the
 * Executor sends nothing more on it (`CONNECTION_LOST`) and gives it back to be
 * discarded. postgres.js 3.4.9 may still crash the process with an uncaught
 * `TypeError: Cannot read properties of null (reading 'write')` on the first statement
 * written to a reserved connection whose backend is gone (porsager/postgres#1208,
 * open); no caller of the driver can catch that.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DrizzlePartitionsError, RuntimeError } from '../errors.js';
import { PG_ERRORS } from './pg-errors.js';
import { inlineParameters, quoteLiteral } from '../sql/quote.js';

/**
 * What {@link withExecutor} accepts: a drizzle database made by `drizzle(...)` from
 * `drizzle-orm/postgres-js`, `drizzle-orm/node-postgres` or `drizzle-orm/pglite` (its
 * `$client` is used), or the raw client itself: a postgres.js `Sql` (or a reserved one),
 * a node-postgres `Pool`, `Client` or checked-out pool client, or a `PGlite`.
 *
 * @example
 * ```ts
 * import { drizzle } from 'drizzle-orm/node-postgres';
 * const db: DatabaseLike = drizzle(process.env.DATABASE_URL!); // or new pg.Pool(...)
 * ```
 */
export type DatabaseLike = unknown;

/**
 * The driver behind an {@link Executor}.
 *
 * @example
 * ```ts
 * const kind: ExecutorDriver = ex.driver; // 'postgres-js' | 'node-postgres' | 'pglite'
 * ```
 */
export type ExecutorDriver = 'postgres-js' | 'node-postgres' | 'pglite';

/**
 * One pinned connection. Every statement runs on the same session, so session
 * settings and session advisory locks hold from one `query` to the next.
 *
 * @example
 * ```ts
 * await withExecutor(db, async (ex) => {
 *   await ex.query(`SET lock_timeout = '2s'`);
 *   const [row] = await ex.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int4) as ok', [42]);
 *   await ex.transaction(async (tx) => {
 *     await tx.query('insert into audit (what) values ($1::text)', ['maintenance']);
 *   });
 * });
 * ```
 */
export interface Executor {
  /**
   * Runs one statement with `$1..` parameters; returns rows as plain objects. Without
   * parameters node-postgres and postgres.js use the simple query protocol, so
   * `CREATE INDEX CONCURRENTLY` / `DETACH PARTITION ... CONCURRENTLY` work here (outside
   * {@link Executor.transaction}). Driver errors are rethrown as they are: read their
   * SQLSTATE with {@link sqlState}.
   */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs fn inside BEGIN/COMMIT on this connection (ROLLBACK on throw, rethrows). Not
   * nestable. When a statement failed inside and fn returned anyway, COMMIT cannot
   * commit: that throws `TRANSACTION_ABORTED` (SQLSTATE 25P02 reachable by
   * {@link sqlState}).
   */
  transaction<T>(fn: (ex: Executor) => Promise<T>): Promise<T>;
  /**
   * Runs `statements` (without parameters) as one transaction in one round trip: a
   * multi-statement simple query `BEGIN; ...; COMMIT;` (PGlite: its own transaction
   * around one `exec`). All or nothing: when one fails, the rest are skipped, the
   * transaction is rolled back and the error rethrown as the driver reported it.
   * Returns the rows of every statement that returns rows, in order, as one list.
   * Not nestable, like {@link Executor.transaction}.
   */
  transactionScript<R = Record<string, unknown>>(statements: readonly string[]): Promise<R[]>;
  /** Server `version_num`, e.g. 180004 (read with the statement that pins the connection). */
  serverVersionNum(): Promise<number>;
  /**
   * Whether a second connection can be opened while this one is pinned: false for
   * PGlite, a single node-postgres `Client` or a reserved postgres.js connection, and a
   * pool whose `max` is 1.
   */
  readonly canOpenAnother: boolean;
  /** The driver in use. */
  readonly driver: ExecutorDriver;
}

/**
 * Pins one connection from `db` for the duration of fn, then releases it (always).
 *
 * - Pinning sends one statement: it records the session's own settings, reads the
 *   server version and makes `opts.settings`; giving the connection back sends one
 *   more (settings put back, and on a pooled connection advisory locks released).
 * - From a pool (postgres.js `Sql`, node-postgres `Pool`): a dedicated connection
 *   (`sql.reserve()` / `pool.connect()`). Before it goes back, the session settings
 *   fn changed are put back as they were when it was pinned (settings the application
 *   made on its connections are kept) and session advisory locks are released
 *   (`pg_advisory_unlock_all()`), so nothing leaks to the application's next query. A
 *   connection that cannot be cleaned is destroyed (node-postgres) or left to the
 *   driver (postgres.js).
 * - A single connection the application owns (node-postgres `Client` or checked-out
 *   client, reserved postgres.js connection, PGlite): used as it is and not released;
 *   session settings are put back likewise, advisory locks are left alone. Calls for
 *   the same connection wait for each other; calling `withExecutor` again for it
 *   from inside fn throws `EXECUTOR_NESTED` (it would wait forever).
 *
 * A pool of `max: 1` cannot give a nested call a second connection: do not nest
 * `withExecutor` for it. After a connection failure inside fn, the Executor refuses
 * further statements with `CONNECTION_LOST`.
 *
 * @throws {RuntimeError} `DATABASE_UNSUPPORTED` when `db` is none of the
 *   accepted shapes (see {@link DatabaseLike}).
 *
 * @example
 * ```ts
 * import { drizzle } from 'drizzle-orm/postgres-js';
 * const db = drizzle(process.env.DATABASE_URL!);
 * const version = await withExecutor(db, (ex) => ex.serverVersionNum()); // e.g. 180004
 * ```
 */
export async function withExecutor<T>(db: DatabaseLike, fn: (ex: Executor) => Promise<T>, opts: PinOptions = {}): Promise<T> {
  const target = resolveTarget(db);
  return target.pooled ? pinAndRun(target, fn, opts) : exclusive(target.client, () => pinAndRun(target, fn, opts));
}

/**
 * One connection of `db` kept by its holder for as long as it likes, across many
 * {@link withExecutor} calls: what a session advisory lock held for minutes needs
 * (the maintenance runner's). See {@link holdSession}.
 *
 * @example
 * ```ts
 * const held: HeldSession = await holdSession(db);
 * try {
 *   await withExecutor(held.db, (ex) => ex.query('select pg_try_advisory_lock(1) as ok'));
 * } finally {
 *   held.release();
 * }
 * ```
 */
export interface HeldSession {
  /** The connection, as something {@link withExecutor} (and plan, apply) accepts: statements on it run on this session. */
  readonly db: DatabaseLike;
  /**
   * The application's own single connection (PGlite, a node-postgres `Client` or
   * checked-out client, a reserved postgres.js connection): not set aside for the
   * holder but shared with the application; `release` leaves it alone.
   */
  readonly shared: boolean;
  /** Whether the `db` it came from can still give other connections while this one is held. */
  readonly canOpenAnother: boolean;
  readonly driver: ExecutorDriver;
  /** Whether the driver reported the connection broken (node-postgres). */
  readonly broken: boolean;
  /**
   * Gives a reserved connection back to its pool (`destroy`: to be discarded, where
   * the driver can). Nothing is cleaned: release the session's advisory locks and put
   * its settings back first. Does nothing for a shared connection.
   */
  release(destroy?: boolean): void;
}

/**
 * Sets one connection of `db` aside for the caller until it calls `release`:
 * from a pool, a dedicated connection (postgres.js `sql.reserve()`, node-postgres
 * `pool.connect()`, with an error listener so that losing it does not crash the
 * process); a single connection (PGlite, a `Client`, a reserved postgres.js
 * connection) is returned as it is, `shared`. Unlike {@link withExecutor} it
 * pins nothing: run statements on it with `withExecutor(held.db, ...)`, which on a
 * single connection leaves session advisory locks alone.
 *
 * @throws {RuntimeError} `DATABASE_UNSUPPORTED` when `db` is none of the accepted shapes.
 *
 * @example
 * ```ts
 * const held = await holdSession(pool);
 * const [row] = await withExecutor(held.db, (ex) => ex.query<{ pid: number }>('select pg_backend_pid() as pid'));
 * held.release();
 * ```
 */
export async function holdSession(db: DatabaseLike): Promise<HeldSession> {
  const target = resolveTarget(db);
  const base = { canOpenAnother: target.canOpenAnother, driver: target.driver };
  if (!target.hold) return { ...base, db: target.client, shared: true, broken: false, release: () => {} };
  const h = await target.hold();
  let released = false;
  return {
    ...base,
    db: h.db,
    shared: false,
    get broken() {
      return h.broken?.() ?? false;
    },
    release: (destroy = false) => {
      if (released) return;
      released = true;
      h.release(destroy);
    },
  };
}

/**
 * Checks that `db` is something the runtime runs on (see {@link DatabaseLike}) without
 * connecting; returns its driver.
 *
 * @throws {RuntimeError} `DATABASE_UNSUPPORTED` otherwise.
 *
 * @example
 * ```ts
 * checkDatabase(drizzle(pool)); // 'node-postgres'
 * ```
 */
export function checkDatabase(db: DatabaseLike): ExecutorDriver {
  return resolveTarget(db).driver;
}

/**
 * How {@link withExecutor} sets the session up once it is pinned.
 *
 * @example
 * ```ts
 * await withExecutor(db, (ex) => ex.query('select now()::text as v'), { settings: { TimeZone: 'UTC' } });
 * ```
 */
export interface PinOptions {
  /**
   * Session settings to make (as `SET name = value` would) before fn runs. They go in
   * the same statement that records the session's own settings and the server version,
   * so pinning costs one round trip whatever they are; they are put back afterwards
   * like any other setting fn changes.
   */
  settings?: Readonly<Record<string, string>>;
  /**
   * Where `settings` hold (default `'session'`):
   * - `'session'`: made once when the connection is pinned and put back when it is
   *   given back (one statement each);
   * - `'statement'`: made for each statement alone: every query() is sent as one
   *   simple-query message that first makes them with `set_config(..., true)` (local
   *   to the message's own implicit transaction, so they end with it) and then runs the
   *   statement, its `$n` parameters written into the text as literals
   *   (quote.ts's inlineParameters). Nothing is sent to set the connection up or to give
   *   it back: a query() is one round trip. For reads of one statement per query() (it
   *   returns the last statement's rows); transaction() and transactionScript() refuse
   *   (`TRANSACTION_UNSUPPORTED`). On a connection the application holds inside its own
   *   transaction, the settings would last until that transaction ends: the executor
   *   sees that and puts them back when fn returns (one more statement, then only).
   */
  settingsScope?: 'session' | 'statement';
}

/**
 * PostgreSQL's SQLSTATE of a driver error (postgres.js `PostgresError`, node-postgres
 * and PGlite `DatabaseError` all carry it as `code`), also when the error is wrapped
 * (`cause`, as drizzle's query errors do); undefined for anything else, such as a
 * network error (`ECONNREFUSED`).
 *
 * @example
 * ```ts
 * try {
 *   await ex.query('insert into t (id) values (1)');
 * } catch (e) {
 *   if (sqlState(e) === '23505') console.log('already there');
 *   else throw e;
 * }
 * ```
 */
export function sqlState(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e !== null && typeof e === 'object'; depth++) {
    const { code, errno, syscall } = e as { code?: unknown; errno?: unknown; syscall?: unknown };
    const ours = e instanceof DrizzlePartitionsError;
    // Node's system errors (EPIPE, EPERM) look like SQLSTATEs; they carry errno/syscall.
    if (!ours && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && errno === undefined && syscall === undefined) {
      return code;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------
// Drivers

interface RawResult {
  rows: unknown[];
  /** Command tag (`SELECT`, `BEGIN`, `ROLLBACK` ...) where the driver reports it. */
  command: string | undefined;
}

type Run = (text: string, params?: readonly unknown[]) => Promise<RawResult>;

/** One connection, pinned for a {@link withExecutor} call. */
interface Pinned {
  run: Run;
  /** PGlite: its own transaction(), which keeps the application's queries out of ours. */
  nativeTransaction?: <T>(fn: (run: Run) => Promise<T>) => Promise<T>;
  /**
   * Several statements in one simple query: the rows of all of them, in order. PGlite:
   * `script` runs inside its own transaction (no BEGIN/COMMIT in the text).
   */
  runScript(text: string): Promise<unknown[]>;
  /** Two or more statements in one simple query: the first statement's result and the last one's. */
  runFirstAndLast(text: string): Promise<{ first: RawResult; last: RawResult }>;
  /** PGlite: `exec` of the statements inside its own transaction(). */
  nativeScript?: (text: string) => Promise<unknown[]>;
  /** Whether the session is inside a transaction block, where the driver can tell. */
  inTransaction?: () => boolean;
  /** Set when the driver reported the connection broken while pinned. */
  readonly broken?: boolean;
  /** Gives the connection back; `destroy` when it must not be reused. */
  release(destroy: boolean): void;
}

interface Target {
  driver: ExecutorDriver;
  /** Connections come from a pool (pinned, cleaned and given back) rather than being one connection the application owns. */
  pooled: boolean;
  canOpenAnother: boolean;
  client: object;
  pin(): Promise<Pinned>;
  /** A connection kept outside any withExecutor call (see {@link holdSession}); pooled targets only. */
  hold?: () => Promise<{ db: object; broken?: () => boolean; release(destroy: boolean): void }>;
}

interface PgJsResult extends Array<unknown> {
  command?: string;
}
interface PgJsSql {
  unsafe(text: string, params?: unknown[]): Promise<PgJsResult>;
  reserve?: () => Promise<PgJsSql>;
  release?: () => void;
  options?: { max?: number };
}

interface PgResult {
  rows?: unknown[];
  command?: string | null;
}
interface PgClient {
  query(text: string, params?: unknown[]): Promise<PgResult | PgResult[]>;
  release?: (destroy?: boolean | Error) => void;
  on?: (event: 'error', listener: (err: Error) => void) => unknown;
  removeListener?: (event: 'error', listener: (err: Error) => void) => unknown;
}
interface PgPool {
  connect(): Promise<PgClient>;
  options?: { max?: number };
}

/**
 * A client checked out of a node-postgres pool, with an error listener of its own: a
 * checked-out client has none of the pool's, and a connection lost while it is out
 * would crash the process. Released destroyed when it broke.
 */
async function guardedCheckout(pool: PgPool): Promise<{ pc: PgClient; broken: () => boolean; release: (destroy?: boolean) => void }> {
  const pc = await pool.connect();
  let broken = false;
  const onError = (): void => {
    broken = true;
  };
  pc.on?.('error', onError);
  return {
    pc,
    broken: () => broken,
    release: (destroy) => {
      pc.removeListener?.('error', onError);
      pc.release?.(destroy || broken);
    },
  };
}

interface PgliteResults {
  rows: unknown[];
}
interface PgliteQueryable {
  query(text: string, params?: unknown[]): Promise<PgliteResults>;
  exec(text: string): Promise<PgliteResults[]>;
}
interface PgliteLike extends PgliteQueryable {
  transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  isInTransaction?: () => boolean;
}

const ACCEPTED =
  'withExecutor accepts a drizzle database made by drizzle() from drizzle-orm/postgres-js, drizzle-orm/node-postgres or drizzle-orm/pglite, ' +
  'or the raw client: a postgres.js sql (or a reserved one), a node-postgres Pool, Client or pool client, or a PGlite';

function isFn(value: unknown): boolean {
  return typeof value === 'function';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name} object` : 'an object';
}

function resolveTarget(db: DatabaseLike): Target {
  const holder = db as { $client?: unknown } | null | undefined;
  const wrapped = (typeof holder === 'object' || typeof holder === 'function') && holder !== null && holder.$client != null;
  const client: unknown = wrapped ? holder.$client : db;
  const c = client as Record<string, unknown> | null;

  if (typeof client === 'function' && c && isFn(c.unsafe)) {
    const sql = client as unknown as PgJsSql;
    if (isFn(c.reserve)) {
      const max = sql.options?.max;
      return {
        driver: 'postgres-js',
        pooled: true,
        canOpenAnother: max === undefined || max > 1,
        client,
        pin: async () => {
          const reserved = await sql.reserve!();
          return { run: pgJsRun(reserved), runScript: pgJsScript(reserved), runFirstAndLast: pgJsFirstAndLast(reserved), release: () => reserved.release!() };
        },
        hold: async () => {
          const reserved = await sql.reserve!();
          return { db: reserved, release: () => reserved.release!() };
        },
      };
    }
    if (isFn(c.release)) {
      return { driver: 'postgres-js', pooled: false, canOpenAnother: false, client, pin: async () => ({ run: pgJsRun(sql), runScript: pgJsScript(sql), runFirstAndLast: pgJsFirstAndLast(sql), release: () => {} }) };
    }
  }

  if (typeof client === 'object' && client !== null && c && isFn(c.query)) {
    if (isFn(c.exec) && isFn(c.transaction) && !isFn(c.connect)) {
      const pglite = client as unknown as PgliteLike;
      return {
        driver: 'pglite',
        pooled: false,
        canOpenAnother: false,
        client,
        pin: async () => ({
          run: pgliteRun(pglite),
          runScript: pgliteScript(pglite),
          runFirstAndLast: pgliteFirstAndLast(pglite),
          nativeTransaction: (fn) => pglite.transaction((tx) => fn(pgliteRun(tx))),
          nativeScript: (text) => pglite.transaction((tx) => pgliteScript(tx)(text)),
          ...(isFn(pglite.isInTransaction) ? { inTransaction: () => pglite.isInTransaction!() } : {}),
          release: () => {},
        }),
      };
    }
    if (isFn(c.connect) && typeof c.totalCount === 'number') {
      const pool = client as unknown as PgPool;
      const max = pool.options?.max;
      return {
        driver: 'node-postgres',
        pooled: true,
        canOpenAnother: max === undefined || max > 1,
        client,
        pin: async () => {
          const { pc, broken, release } = await guardedCheckout(pool);
          return {
            run: pgRun(pc),
            runScript: pgScript(pc),
            runFirstAndLast: pgFirstAndLast(pc),
            get broken() {
              return broken();
            },
            release,
          };
        },
        hold: async () => {
          const { pc, broken, release } = await guardedCheckout(pool);
          return { db: pc, broken, release };
        },
      };
    }
    if (isFn(c.connect)) {
      const pc = client as unknown as PgClient;
      return { driver: 'node-postgres', pooled: false, canOpenAnother: false, client, pin: async () => ({ run: pgRun(pc), runScript: pgScript(pc), runFirstAndLast: pgFirstAndLast(pc), release: () => {} }) };
    }
  }

  const what = wrapped ? `a drizzle database whose $client is ${describeValue(client)}` : describeValue(client);
  throw new RuntimeError(
    'DATABASE_UNSUPPORTED',
    `cannot run statements on ${what}`,
    `${ACCEPTED}; pass the database you made with drizzle(...) or its $client`,
  );
}

function pgJsRun(sql: PgJsSql): Run {
  return async (text, params) => {
    const res = await sql.unsafe(text, params ? [...params] : []);
    // Several statements (simple protocol) give one result per statement: keep the last.
    const last = res.command === undefined && Array.isArray(res[res.length - 1]) ? (res[res.length - 1] as PgJsResult) : res;
    return { rows: Array.from(last), command: last.command };
  };
}

/** postgres.js gives one result per statement that returns rows (plus one for those before the first); each is an array of rows. */
function pgJsScript(sql: PgJsSql): (text: string) => Promise<unknown[]> {
  return async (text) => {
    const res = await sql.unsafe(text);
    const results = res.command === undefined && res.length > 0 && res.every((r) => Array.isArray(r)) ? (res as unknown as PgJsResult[]) : [res];
    return results.flatMap((r) => Array.from(r));
  };
}

/**
 * postgres.js gives one result per statement when several return rows; when only the
 * first does, one list of its rows carrying the last statement's command.
 */
function pgJsFirstAndLast(sql: PgJsSql): (text: string) => Promise<{ first: RawResult; last: RawResult }> {
  return async (text) => {
    const res = await sql.unsafe(text);
    if (res.command === undefined && res.length >= 2 && res.every((r) => Array.isArray(r))) {
      const [first, last] = [res[0] as PgJsResult, res[res.length - 1] as PgJsResult];
      return { first: { rows: Array.from(first), command: first.command }, last: { rows: Array.from(last), command: last.command } };
    }
    return { first: { rows: Array.from(res), command: undefined }, last: { rows: [], command: res.command } };
  };
}

function pgFirstAndLast(client: PgClient): (text: string) => Promise<{ first: RawResult; last: RawResult }> {
  return async (text) => {
    const res = await client.query(text);
    const all = Array.isArray(res) ? res : [res];
    const [first, last] = [all[0], all[all.length - 1]];
    return { first: { rows: first?.rows ?? [], command: first?.command ?? undefined }, last: { rows: last?.rows ?? [], command: last?.command ?? undefined } };
  };
}

function pgliteFirstAndLast(db: PgliteQueryable): (text: string) => Promise<{ first: RawResult; last: RawResult }> {
  return async (text) => {
    const all = await db.exec(text);
    return { first: { rows: all[0]?.rows ?? [], command: undefined }, last: { rows: all[all.length - 1]?.rows ?? [], command: undefined } };
  };
}

function pgScript(client: PgClient): (text: string) => Promise<unknown[]> {
  return async (text) => {
    const res = await client.query(text);
    return (Array.isArray(res) ? res : [res]).flatMap((r) => r?.rows ?? []);
  };
}

function pgliteScript(db: PgliteQueryable): (text: string) => Promise<unknown[]> {
  return async (text) => (await db.exec(text)).flatMap((r) => r.rows);
}

function pgRun(client: PgClient): Run {
  return async (text, params) => {
    const res = await client.query(text, params ? [...params] : undefined);
    const last = Array.isArray(res) ? res[res.length - 1] : res;
    return { rows: last?.rows ?? [], command: last?.command ?? undefined };
  };
}

function pgliteRun(db: Pick<PgliteQueryable, 'query'>): Run {
  return async (text, params) => {
    const res = await db.query(text, params ? [...params] : undefined);
    return { rows: res.rows, command: undefined };
  };
}

// ---------------------------------------------------------------------------------
// Single connections the application owns: one withExecutor at a time.

const queues = new WeakMap<object, Promise<void>>();
const holding = new AsyncLocalStorage<ReadonlySet<object>>();

async function exclusive<T>(client: object, fn: () => Promise<T>): Promise<T> {
  const held = holding.getStore();
  if (held?.has(client)) {
    throw new RuntimeError(
      'EXECUTOR_NESTED',
      'withExecutor was called for a single connection (PGlite, a node-postgres Client or a reserved postgres.js connection) inside a withExecutor callback that already holds it',
      'use the Executor the outer callback received',
    );
  }
  const before = queues.get(client) ?? Promise.resolve();
  let done!: () => void;
  const mine = before.then(() => new Promise<void>((resolve) => (done = resolve)));
  queues.set(client, mine);
  await before;
  try {
    return await holding.run(new Set([...(held ?? []), client]), fn);
  } finally {
    done();
    if (queues.get(client) === mine) queues.delete(client);
  }
}

// ---------------------------------------------------------------------------------
// Pinning, cleaning up

/**
 * Pinning, in one statement: the session's own settings (`SET` in this session) as
 * JSON text, to put back later; the server's version; then the settings in $1 (a JSON
 * object, name to value) made as `SET` would. The subquery that makes them refers to
 * `b.v`, so it runs for b's one row, after the aggregate has read every setting as it
 * was.
 */
const PIN_SQL = `select b.v, pg_catalog.current_setting('server_version_num') as version,
  (select count(pg_catalog.set_config(x.name, x.setting, false)) from pg_catalog.json_each_text(($1::text)::json) as x(name, setting) where b.v is not null)::text as n
from (select coalesce(pg_catalog.json_object_agg(s.name, s.setting)::text, '{}') as v from pg_catalog.pg_settings s where s.source = 'session') as b`;

/**
 * Puts every setting back to the value in $1 (JSON from PIN_SQL), or to its reset
 * value when it had none; on a pooled connection, releases the session advisory
 * locks in the same statement.
 */
function cleanUpSql(pooled: boolean): string {
  return `select (select count(pg_catalog.set_config(s.name, coalesce(b.setting, s.reset_val), false))
  from pg_catalog.pg_settings s
  left join pg_catalog.json_each_text(($1::text)::json) as b(name, setting) on b.name = s.name
  where (s.source = 'session' or b.name is not null)
    and s.setting is distinct from coalesce(b.setting, s.reset_val))::text as v${pooled ? ', pg_catalog.pg_advisory_unlock_all()::text as u' : ''}`;
}

/**
 * The statement that goes first in every message of a `settingsScope: 'statement'`
 * executor: makes `settings` local to the message's transaction. `fresh` says whether
 * that transaction began with this message (its implicit one); when it did not (the
 * application's own transaction is open), `v` holds the settings' values before, as
 * JSON, to put back. `b` is read first (`offset 0` keeps it a subquery of its own), and
 * the subquery that makes the settings refers to it.
 */
function statementSetUpSql(settings: Readonly<Record<string, string>>): string {
  const json = `${quoteLiteral(JSON.stringify(settings))}::json`;
  return `select b.fresh, b.v, (select count(pg_catalog.set_config(x.name, x.setting, true)) from pg_catalog.json_each_text(${json}) as x(name, setting) where b.fresh is not null)::text as n
from (select pg_catalog.now() = pg_catalog.statement_timestamp() as fresh,
  case when pg_catalog.now() <> pg_catalog.statement_timestamp() then (select pg_catalog.json_object_agg(x.name, pg_catalog.current_setting(x.name)) from pg_catalog.json_each_text(${json}) as x(name, setting))::text end as v
  offset 0) as b`;
}

/** Puts the settings in $1 (JSON, name to value) back, local to the transaction that is open. */
const RESTORE_LOCAL_SQL = `select count(pg_catalog.set_config(x.name, x.setting, true))::text as n from pg_catalog.json_each_text(($1::text)::json) as x(name, setting)`;

/** Server versions learnt, by the application's client: a `settingsScope: 'statement'` executor sends nothing to learn it again. */
const versions = new WeakMap<object, number>();

async function pinAndRun<T>(target: Target, fn: (ex: Executor) => Promise<T>, opts: PinOptions): Promise<T> {
  const pinned = await target.pin();
  let reusable = false;
  try {
    if (opts.settingsScope === 'statement') {
      const ex = new PinnedExecutor(target, pinned, versions.get(target.client), statementSetUpSql(opts.settings ?? {}));
      try {
        return await fn(ex);
      } finally {
        ex.close();
        // Only a BEGIN sent through query() is ours to roll back (PGlite's isInTransaction
        // also sees the application's own transaction).
        reusable = !ex.broken && !pinned.broken && (await putBackLocal(pinned, ex.ownTransactionOpen, ex.settingsBefore));
      }
    }
    const [row] = (await pinned.run(PIN_SQL, [JSON.stringify(opts.settings ?? {})])).rows as { v?: unknown; version?: unknown }[];
    const before = typeof row?.v === 'string' ? row.v : '{}';
    const version = parseVersion(row?.version);
    if (version !== undefined) versions.set(target.client, version);
    const ex = new PinnedExecutor(target, pinned, version);
    try {
      return await fn(ex);
    } finally {
      ex.close();
      reusable = !ex.broken && !pinned.broken && (await cleanUp(pinned, ex.openTransaction(), before, target.pooled));
    }
  } finally {
    pinned.release(!reusable);
  }
}

/** Leaves the session as it was pinned; false when that failed (the connection should not be reused). */
async function cleanUp(pinned: Pinned, inTransaction: boolean, settings: string, pooled: boolean): Promise<boolean> {
  try {
    // Only a `BEGIN` sent through query() can leave a transaction open here.
    if (inTransaction) await pinned.run('ROLLBACK');
    await pinned.run(cleanUpSql(pooled), [settings]);
    return true;
  } catch {
    return false;
  }
}

/**
 * After a `settingsScope: 'statement'` executor: a transaction opened through query()
 * rolled back, and settings made inside the application's own transaction put back;
 * false when that failed.
 */
async function putBackLocal(pinned: Pinned, inTransaction: boolean, before: string | undefined): Promise<boolean> {
  try {
    if (inTransaction) await pinned.run('ROLLBACK');
    else if (before !== undefined) await pinned.run(RESTORE_LOCAL_SQL, [before]);
    return true;
  } catch {
    return false;
  }
}

class PinnedExecutor implements Executor {
  readonly driver: ExecutorDriver;
  readonly canOpenAnother: boolean;
  readonly #pinned: Pinned;
  #closed = false;
  /** The connection failed (lost, or a ROLLBACK did not go through): no more statements on it. */
  #lost: { cause: unknown } | undefined;
  #inTransaction = false;
  /** A transaction block opened by a `BEGIN` sent through query(). */
  #rawTransaction = false;
  #txRun: Run | undefined;
  #version: Promise<number> | undefined;
  readonly #client: object;
  /** `settingsScope: 'statement'`: the statement each message starts with (statementSetUpSql). */
  readonly #setUp: string | undefined;
  /** The settings as they were before the first message made them inside a transaction the application holds. */
  #before: string | undefined;

  constructor(target: Target, pinned: Pinned, version: number | undefined, setUp?: string) {
    this.driver = target.driver;
    this.canOpenAnother = target.canOpenAnother;
    this.#pinned = pinned;
    this.#client = target.client;
    this.#setUp = setUp;
    if (version !== undefined) this.#version = Promise.resolve(version);
  }

  /** A transaction block opened by a `BEGIN` sent through query() is open. */
  get ownTransactionOpen(): boolean {
    return this.#rawTransaction;
  }

  /** The settings as they were before this executor made them inside the application's transaction (JSON), if it did. */
  get settingsBefore(): string | undefined {
    return this.#before;
  }

  /** The connection must not be cleaned up and reused. */
  get broken(): boolean {
    return this.#lost !== undefined || this.#pinned.broken === true;
  }

  close(): void {
    this.#closed = true;
  }

  openTransaction(): boolean {
    return this.#pinned.inTransaction ? this.#pinned.inTransaction() : this.#rawTransaction;
  }

  async query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]> {
    this.#usable();
    const { rows, command } = await this.#run(text, params);
    if (command === 'BEGIN') this.#rawTransaction = true;
    else if (command === 'COMMIT' || command === 'ROLLBACK' || command === 'PREPARE TRANSACTION') this.#rawTransaction = false;
    return rows as R[];
  }

  /** Refuses a transaction inside the one this connection already has. */
  #refuseNested(what: string): void {
    if (this.#inTransaction || this.openTransaction()) {
      throw new RuntimeError('TRANSACTION_NESTED', `${what}() was called inside a transaction on the same connection`, 'run the statements in the transaction you already have');
    }
  }

  /** A `settingsScope: 'statement'` executor makes its settings per message: a transaction would run without them. */
  #refuseStatementScope(what: string): void {
    if (this.#setUp !== undefined) {
      throw new RuntimeError('TRANSACTION_UNSUPPORTED', `${what}() was called on an executor whose settings hold for one statement at a time (settingsScope: 'statement')`, "use withExecutor without settingsScope, or settingsScope: 'session'");
    }
  }

  async transaction<T>(fn: (ex: Executor) => Promise<T>): Promise<T> {
    this.#usable();
    this.#refuseStatementScope('transaction');
    this.#refuseNested('transaction');
    this.#inTransaction = true;
    try {
      return this.#pinned.nativeTransaction ? await this.#nativeTransaction(this.#pinned.nativeTransaction, fn) : await this.#blockTransaction(fn);
    } finally {
      this.#inTransaction = false;
    }
  }

  async transactionScript<R = Record<string, unknown>>(statements: readonly string[]): Promise<R[]> {
    this.#usable();
    this.#refuseStatementScope('transactionScript');
    this.#refuseNested('transactionScript');
    const body = statements.map((x) => x.trim().replace(/;$/, '') + ';').join('\n');
    this.#inTransaction = true;
    try {
      if (this.#pinned.nativeScript) return (await this.#script(this.#pinned.nativeScript, body)) as R[];
      try {
        return (await this.#script(this.#pinned.runScript, `BEGIN;\n${body}\nCOMMIT;`)) as R[];
      } catch (e) {
        // A statement after BEGIN failed: the rest were skipped and the session sits in
        // the failed transaction block (a COMMIT that failed has ended it: this only warns).
        if (!this.#lost) {
          try {
            await this.#run('ROLLBACK');
          } catch (rollbackError) {
            this.#lost ??= { cause: rollbackError };
          }
        }
        throw e;
      }
    } finally {
      this.#inTransaction = false;
    }
  }

  /** A script, through the same guard as every statement: once the connection failed, nothing is sent again. */
  async #script(run: (text: string) => Promise<unknown[]>, text: string): Promise<unknown[]> {
    if (this.#lost) throw connectionLost(this.#lost.cause);
    try {
      return await run(text);
    } catch (e) {
      if (isConnectionFailure(e)) this.#lost ??= { cause: e };
      throw e;
    }
  }

  serverVersionNum(): Promise<number> {
    this.#usable();
    this.#version ??= this.#run(`select pg_catalog.current_setting('server_version_num') as v`).then(({ rows }) => {
      const v = parseVersion((rows[0] as { v?: unknown } | undefined)?.v);
      if (v === undefined) throw new RuntimeError('SERVER_VERSION_UNKNOWN', 'the server did not report server_version_num');
      versions.set(this.#client, v);
      return v;
    });
    this.#version.catch(() => (this.#version = undefined));
    return this.#version;
  }

  /** Every statement goes through here: once the connection failed, none is sent again. */
  async #run(text: string, params?: readonly unknown[]): Promise<RawResult> {
    if (this.#lost) {
      throw connectionLost(this.#lost.cause);
    }
    try {
      if (this.#setUp !== undefined) return await this.#runWithSetUp(text, params);
      return await (this.#txRun ?? this.#pinned.run)(text, params);
    } catch (e) {
      // postgres.js 3.4.9 crashes the process when a second statement is written to a
      // reserved connection whose backend is gone (porsager/postgres#1208).
      if (isConnectionFailure(e)) this.#lost ??= { cause: e };
      throw e;
    }
  }

  /** `settingsScope: 'statement'`: the set-up and the statement in one message; the statement's rows. */
  async #runWithSetUp(text: string, params: readonly unknown[] | undefined): Promise<RawResult> {
    const statement = params && params.length > 0 ? inlineParameters(text, params) : text;
    const { first, last } = await this.#pinned.runFirstAndLast(`${this.#setUp};\n${statement}`);
    const [row] = first.rows as { fresh?: unknown; v?: unknown }[];
    if (row?.fresh !== true && this.#before === undefined && typeof row?.v === 'string') this.#before = row.v;
    return last;
  }

  #usable(): void {
    if (this.#closed) {
      throw new RuntimeError(
        'EXECUTOR_RELEASED',
        'this Executor was used after its withExecutor callback returned; its connection is back in the pool',
        'await every query inside the withExecutor callback',
      );
    }
  }

  async #blockTransaction<T>(fn: (ex: Executor) => Promise<T>): Promise<T> {
    await this.#run('BEGIN');
    let result: T;
    try {
      result = await fn(this);
    } catch (e) {
      try {
        await this.#run('ROLLBACK');
      } catch (rollbackError) {
        this.#lost ??= { cause: rollbackError };
      }
      throw e;
    }
    // A COMMIT the server refuses (a deferred constraint) ends the transaction too.
    const commit = await this.#run('COMMIT');
    // COMMIT of a transaction in which a statement failed rolls back and says so only
    // in its command tag.
    if (commit.command === 'ROLLBACK') throw transactionAborted();
    return result;
  }

  async #nativeTransaction<T>(native: NonNullable<Pinned['nativeTransaction']>, fn: (ex: Executor) => Promise<T>): Promise<T> {
    let returned = false;
    try {
      return await native(async (run) => {
        this.#txRun = run;
        try {
          const result = await fn(this);
          returned = true;
          return result;
        } finally {
          this.#txRun = undefined;
        }
      });
    } catch (e) {
      if (returned && sqlState(e) === PG_ERRORS.inFailedTransaction) throw transactionAborted(e);
      throw e;
    }
  }
}

/** `server_version_num` as a number; undefined when it is not one. */
function parseVersion(v: unknown): number | undefined {
  const n = Number.parseInt(String(v), 10);
  return Number.isInteger(n) ? n : undefined;
}

/** postgres.js's own connection error codes. */
const PGJS_CONNECTION_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);

/** An error that means the connection itself failed (not a statement the server refused). */
function isConnectionFailure(e: unknown): boolean {
  if (sqlState(e) !== undefined || e === null || typeof e !== 'object' || e instanceof DrizzlePartitionsError) return false;
  const { code, errno, syscall, message } = e as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown };
  if (errno !== undefined || syscall !== undefined) return true; // ECONNRESET, EPIPE ...
  if (typeof code === 'string' && PGJS_CONNECTION_CODES.has(code)) return true;
  // node-postgres: 'Connection terminated unexpectedly', 'Client has encountered a connection error and is not queryable'
  return typeof message === 'string' && /connection terminated|not queryable/i.test(message);
}

function connectionLost(cause: unknown): RuntimeError {
  const err = new RuntimeError(
    'CONNECTION_LOST',
    'the pinned connection failed earlier in this withExecutor callback; no statement is sent on it again',
    'start again with a new withExecutor call',
  );
  Object.defineProperty(err, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return err;
}

function transactionAborted(cause?: unknown): RuntimeError {
  const err = new RuntimeError(
    'TRANSACTION_ABORTED',
    'COMMIT rolled the transaction back: a statement inside it failed and the callback returned anyway',
    'let the error propagate out of the transaction callback, or retry the whole transaction',
  );
  // Keep the SQLSTATE (25P02, in_failed_sql_transaction) reachable through sqlState().
  Object.defineProperty(err, 'cause', { value: cause ?? { code: PG_ERRORS.inFailedTransaction }, enumerable: false, configurable: true, writable: true });
  return err;
}
