/**
 * SQL of the maintenance runner's record: one row per maintained table in
 * `drizzle_partitions.maintenance_runs`, saying how its last run went and when it last
 * succeeded. The catalog stays the truth about partitions; this table is only about
 * runs. Rendered here, through the quoting module.
 */
import { createSchemaSql } from './maintenance-sql.js';
import { quoteIdent, quoteLiteral, quoteQualified, type QualifiedName } from '../sql/quote.js';

/**
 * Where the record lives: a schema of its own, which drizzle-kit leaves alone (it
 * introspects the schemas of its `schemaFilter`, `public` by default).
 *
 * @example
 * ```ts
 * const [{ n }] = await sql.unsafe(`select count(*)::int as n from ${quoteQualified(RUNS_TABLE)}`);
 * ```
 */
export const RUNS_TABLE: QualifiedName = { schema: 'drizzle_partitions', name: 'maintenance_runs' };

/**
 * The statements that make the record's schema and table when they are missing.
 *
 * @example
 * ```ts
 * for (const s of createRunsTableSql()) await ex.query(s);
 * ```
 */
export function createRunsTableSql(): string[] {
  return [
    createSchemaSql(RUNS_TABLE.schema!),
    `CREATE TABLE IF NOT EXISTS ${quoteQualified(RUNS_TABLE)} (
  "table_schema" text NOT NULL,
  "table_name" text NOT NULL,
  "runner" text NOT NULL,
  "interval_ms" bigint NOT NULL,
  "started_at" timestamptz NOT NULL,
  "finished_at" timestamptz NOT NULL,
  "outcome" text NOT NULL CHECK ("outcome" IN ('ok', 'failed')),
  "ops_done" integer NOT NULL,
  "ops_failed" integer NOT NULL,
  "ops_skipped" integer NOT NULL,
  "error" text,
  "last_success_at" timestamptz,
  PRIMARY KEY ("table_schema", "table_name")
);`,
  ];
}

/** The columns of one row of the record, as {@link upsertRunsSql} takes them (JSON) and {@link readRunsSql} returns them. */
const COLUMNS = `"table_schema" text, "table_name" text, "runner" text, "interval_ms" bigint, "started_at" timestamptz, "finished_at" timestamptz, "outcome" text, "ops_done" integer, "ops_failed" integer, "ops_skipped" integer, "error" text`;

/**
 * Records one run: $1 is a JSON array of rows (one per table, the columns above but
 * `last_success_at`); each replaces its table's row, and `last_success_at` becomes the
 * run's `finished_at` when it went well and stays as it was when it failed.
 *
 * @example
 * ```ts
 * await ex.query(upsertRunsSql(), [JSON.stringify([{ table_schema: 'public', table_name: 'events', runner: 'default', interval_ms: 60000, ... }])]);
 * ```
 */
export function upsertRunsSql(): string {
  const t = quoteQualified(RUNS_TABLE);
  return `INSERT INTO ${t} AS r ("table_schema", "table_name", "runner", "interval_ms", "started_at", "finished_at", "outcome", "ops_done", "ops_failed", "ops_skipped", "error", "last_success_at")
SELECT x."table_schema", x."table_name", x."runner", x."interval_ms", x."started_at", x."finished_at", x."outcome", x."ops_done", x."ops_failed", x."ops_skipped", x."error",
  CASE WHEN x."outcome" = 'ok' THEN x."finished_at" END
FROM pg_catalog.json_to_recordset(($1::text)::json) AS x(${COLUMNS})
ON CONFLICT ("table_schema", "table_name") DO UPDATE SET
  "runner" = excluded."runner", "interval_ms" = excluded."interval_ms", "started_at" = excluded."started_at", "finished_at" = excluded."finished_at",
  "outcome" = excluded."outcome", "ops_done" = excluded."ops_done", "ops_failed" = excluded."ops_failed", "ops_skipped" = excluded."ops_skipped", "error" = excluded."error",
  "last_success_at" = coalesce(excluded."last_success_at", r."last_success_at");`;
}

/**
 * Whether the record's table exists (`ok`): until a runner made it, no run was recorded.
 *
 * @example
 * ```ts
 * const [{ ok }] = await ex.query<{ ok: boolean }>(runsTableExistsSql());
 * ```
 */
export function runsTableExistsSql(): string {
  return `SELECT pg_catalog.to_regclass(${quoteLiteral(quoteQualified(RUNS_TABLE))}) IS NOT NULL AS ok`;
}

/**
 * The rows of the tables in $1 (a JSON array of `[schema, name]`), times as ISO text
 * in UTC and counts as integers, whatever the driver's type parsers.
 *
 * @example
 * ```ts
 * const rows = await ex.query(readRunsSql(), [JSON.stringify([['public', 'events']])]);
 * ```
 */
export function readRunsSql(): string {
  // single lower-case aliases: no column transform of the application's driver changes them
  const iso = (column: string, alias: string) => `pg_catalog.to_char(r.${quoteIdent(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${alias}`;
  return `SELECT r."table_schema" AS sch, r."table_name" AS tbl, r."runner" AS runner, r."interval_ms"::text AS every, ${iso('started_at', 'started')}, ${iso('finished_at', 'finished')},
  r."outcome" AS outcome, r."ops_done" AS done, r."ops_failed" AS failed, r."ops_skipped" AS skipped, r."error" AS error, ${iso('last_success_at', 'succeeded')}
FROM ${quoteQualified(RUNS_TABLE)} r
JOIN pg_catalog.json_array_elements(($1::text)::json) AS k(v) ON r."table_schema" = k.v->>0 AND r."table_name" = k.v->>1`;
}
