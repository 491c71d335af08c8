/**
 * Small, vitest-free helpers for talking to the test server: connecting,
 * creating / dropping scratch databases.
 *
 * Usable from vitest (via ./db.ts) and from plain scripts (example runner).
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { quoteIdent } from '../../src/sql/quote.js';

export type Sql = postgres.Sql<{}>;

export interface ClientOptions {
  /** Maximum pool size (default 1 for one-off clients). */
  max?: number;
  /** Connection timeout in seconds (default 10). */
  connectTimeout?: number;
  /** Called with each notice's message (default: notices silenced). */
  onNotice?: (message: string) => void;
}

/** Open a postgres.js client, notices silenced unless `onNotice` is given. The caller must `end()` it. */
export function connect(url: string, opts: ClientOptions = {}): Sql {
  const database = databaseFromUrl(url);
  return postgres(url, {
    // postgres.js 3.4 does not percent-decode the database name in a URL; do it here.
    ...(database ? { database } : {}),
    max: opts.max ?? 1,
    onnotice: (n) => opts.onNotice?.(String(n.message)),
    connect_timeout: opts.connectTimeout ?? 10,
    idle_timeout: 20,
  });
}

/**
 * Run `fn` with a short-lived single-connection client for `url`, closing the
 * client afterwards whatever happens.
 */
export async function withClient<T>(url: string, fn: (sql: Sql) => Promise<T> | T): Promise<T> {
  const sql = connect(url, { max: 1 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}

/** Return `url` with its database name replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  try {
    const u = new URL(url);
    if (!u.host) throw new Error('no host');
    u.pathname = `/${encodeURIComponent(database)}`;
    return u.toString();
  } catch {
    // Fallback for URLs WHATWG URL cannot handle (e.g. socket hosts like postgres://u@/db?host=/run).
    const m = /^(postgres(?:ql)?:\/\/[^/?#]*)(?:\/[^?#]*)?(.*)$/i.exec(url);
    if (!m) throw new Error(`cannot parse PostgreSQL URL: ${redactUrl(url)}`);
    return `${m[1]}/${encodeURIComponent(database)}${m[2]}`;
  }
}

/** The database name in a connection URL (decoded), or undefined. */
export function databaseFromUrl(url: string): string | undefined {
  const m = /^postgres(?:ql)?:\/\/[^/?#]*\/([^?#]*)/i.exec(url);
  if (!m || !m[1]) return undefined;
  return decodeURIComponent(m[1]);
}

/** Hide a password in a URL for log / error messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

export interface ServerInfo {
  /** e.g. 180004 */
  versionNum: number;
  /** e.g. 18 */
  major: number;
  /** e.g. "18.4" */
  version: string;
}

export async function serverInfo(sql: Sql): Promise<ServerInfo> {
  const rows = await sql<{ num: string; version: string }[]>`
    select current_setting('server_version_num') as num, current_setting('server_version') as version`;
  const row = rows[0];
  if (!row) throw new Error('could not read server_version_num');
  const versionNum = Number.parseInt(row.num, 10);
  return { versionNum, major: majorFromVersionNum(versionNum), version: row.version };
}

/** 180004 -> 18. (Pre-10 numbers such as 90600 map to 9; those servers are unsupported anyway.) */
export function majorFromVersionNum(num: number): number {
  return Math.floor(num / 10000);
}

export interface ScratchDatabase {
  name: string;
  url: string;
  /** Drop the database (WITH (FORCE) on >= 13, terminating backends before that). */
  drop(): Promise<void>;
}

/** A fresh database name: `<prefix>_<random hex>`, at most 63 bytes. */
export function uniqueDatabaseName(prefix = 'dp_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`.slice(0, 63);
}

/**
 * Create a fresh, uniquely named database on the server `adminUrl` points at.
 */
export async function createScratchDatabase(
  adminUrl: string,
  opts: { prefix?: string; name?: string } = {},
): Promise<ScratchDatabase> {
  const name = opts.name ?? uniqueDatabaseName(opts.prefix);
  await withClient(adminUrl, (sql) => sql.unsafe(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = withDatabase(adminUrl, name);
  let dropped = false;
  return {
    name,
    url,
    async drop() {
      if (dropped) return;
      dropped = true;
      await dropDatabase(adminUrl, name);
    },
  };
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (sql) => {
    const { versionNum } = await serverInfo(sql);
    if (versionNum >= 130000) {
      await sql.unsafe(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    } else {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
                where datname = ${name} and pid <> pg_backend_pid()`;
      await sql.unsafe(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    }
  });
}
