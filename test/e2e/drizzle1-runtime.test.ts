/**
 * The schema and DDL modules on drizzle-orm 1.0.0-rc.5, as a user's project runs them:
 * drizzle-partitions installed as a copy of package.json + dist/ (see project.ts), loaded
 * through both builds (ESM `import`, and CommonJS `require` as drizzle-kit and our CLI's
 * loader do). What history-folders.test.ts does not reach: expression keys, enum keys,
 * multi-column keys, casing set on the table (`snakeCase.table`, the only casing in 1.0),
 * and the definition-time checks. The rendered DDL is then run on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';
import { catalogTree } from '../support/catalog.js';
import { createProject, type Project } from '../support/project.js';

const db = useTestDatabase({ prefix: 'dp_e2e_orm1' });

/** Defines tables with drizzle-orm 1.0 and prints what our package makes of them; `$IMPORT` is replaced per build. */
const SCRIPT = `
$IMPORT
const { sql } = orm;
const { integer, pgEnum, pgTable, primaryKey, snakeCase, text, timestamp, date, uniqueIndex } = pg;
const { expression, getPartitioning, hash, list, MINVALUE, partitioned, pgPartitionedTable, range } = dp;
const { declaredPartitionsSql, partitionByClause } = ddl;

const region = pgEnum('region', ['eu', 'us', 'apac']);
const tables = {
  byExpression: pgPartitionedTable('by_expression', { at: timestamp({ withTimezone: true }).notNull(), v: text() },
    (t) => range(expression(sql\`(\${t.at} at time zone 'UTC')::date\`, 'date'), { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] })),
  byRawSql: pgPartitionedTable('by_raw_sql', { name: text().notNull() },
    (t) => list(sql\`lower(\${t.name})\`, { partitions: [{ values: ['a'] }] })),
  byEnum: pgPartitionedTable('by_enum', { id: integer().notNull(), region: region().notNull() },
    (t) => [primaryKey({ columns: [t.id, t.region] })],
    (t) => list(t.region, { partitions: [{ values: ['eu'] }, { values: ['us', 'apac'], name: 'by_enum_rest' }], default: false })),
  snake: partitioned(snakeCase.table('snake', { tenantId: integer().notNull(), createdOn: date().notNull() }, (t) => [uniqueIndex('snake_uq').on(t.tenantId, t.createdOn)]),
    (t) => range([t.tenantId, t.createdOn], { partitions: [{ from: [0, MINVALUE], to: [100, MINVALUE] }] })),
  hashed: pgPartitionedTable('hashed', { a: integer().notNull(), b: text().notNull() }, (t) => hash([t.a, t.b], { partitions: 2 })),
};
const out = { tables: {}, errors: {} };
for (const [k, t] of Object.entries(tables)) {
  const p = getPartitioning(t);
  out.tables[k] = { partitionBy: partitionByClause(p, { casing: 'snake_case' }), partitions: declaredPartitionsSql(p, { casing: 'snake_case' }) };
}
const other = pgTable('other', { x: integer() });
const mistakes = {
  pkWithoutKey: () => pgPartitionedTable('m1', { id: integer().primaryKey(), at: date().notNull() }, (t) => range(t.at, {})),
  expressionOfAnotherTable: () => pgPartitionedTable('m2', { at: date().notNull() }, () => range(sql\`\${other.x}\`, {})),
  pkWithExpressionKey: () => pgPartitionedTable('m3', { id: integer().primaryKey() }, (t) => hash(sql\`(\${t.id} % 10)\`, { partitions: 2 })),
  badBound: () => pgPartitionedTable('m4', { at: date().notNull() }, (t) => range(t.at, { partitions: [{ from: '2026-02-30', to: '2026-03-01' }] })),
  unknownEnumLabel: () => pgPartitionedTable('m5', { r: region().notNull() }, (t) => list(t.r, { partitions: [{ values: ['mars'] }] })),
};
for (const [k, f] of Object.entries(mistakes)) {
  try { f(); out.errors[k] = 'no error'; } catch (e) { out.errors[k] = e.code ?? String(e); }
}
console.log(JSON.stringify(out));
`;

const ESM = `import * as orm from 'drizzle-orm';\nimport * as pg from 'drizzle-orm/pg-core';\nimport * as dp from 'drizzle-partitions';\nimport * as ddl from 'drizzle-partitions/ddl';`;
const CJS = `const orm = require('drizzle-orm');\nconst pg = require('drizzle-orm/pg-core');\nconst dp = require('drizzle-partitions');\nconst ddl = require('drizzle-partitions/ddl');`;

interface Output {
  tables: Record<string, { partitionBy: string; partitions: string[] }>;
  errors: Record<string, string>;
}

let project: Project;

beforeAll(async () => {
  project = await createProject({
    name: 'orm1-runtime',
    drizzle: '1',
    files: { 'esm.mjs': SCRIPT.replace('$IMPORT', ESM), 'cjs.cjs': SCRIPT.replace('$IMPORT', CJS) },
  });
}, 60_000);
afterAll(async () => {
  await project?.remove();
});

async function run(file: string): Promise<Output> {
  const r = await project.node([file]);
  if (r.code !== 0) throw new Error(`node ${file} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Output;
}

describe('drizzle-partitions on drizzle-orm 1.0', () => {
  let esm: Output;

  // the same output as on drizzle-orm 0.45 (where snake_case came from the casing option)
  it('renders keys of every kind; the casing option is ignored, the table decides (snakeCase.table)', async () => {
    esm = await run('esm.mjs');
    expect(esm.tables).toEqual({
      byExpression: {
        partitionBy: `PARTITION BY RANGE ((("at" at time zone 'UTC')::date))`,
        partitions: [`CREATE TABLE "by_expression_p20260101" PARTITION OF "by_expression" FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');`, 'CREATE TABLE "by_expression_default" PARTITION OF "by_expression" DEFAULT;'],
      },
      byRawSql: {
        partitionBy: 'PARTITION BY LIST ((lower("name")))',
        partitions: [`CREATE TABLE "by_raw_sql_a" PARTITION OF "by_raw_sql" FOR VALUES IN ('a');`, 'CREATE TABLE "by_raw_sql_default" PARTITION OF "by_raw_sql" DEFAULT;'],
      },
      byEnum: {
        partitionBy: 'PARTITION BY LIST ("region")',
        partitions: [`CREATE TABLE "by_enum_eu" PARTITION OF "by_enum" FOR VALUES IN ('eu');`, `CREATE TABLE "by_enum_rest" PARTITION OF "by_enum" FOR VALUES IN ('us', 'apac');`],
      },
      snake: {
        partitionBy: 'PARTITION BY RANGE ("tenant_id", "created_on")',
        partitions: [
          'CREATE TABLE "snake_p0_min" PARTITION OF "snake" FOR VALUES FROM (0, MINVALUE) TO (100, MINVALUE);',
          'CREATE TABLE "snake_default" PARTITION OF "snake" DEFAULT;',
        ],
      },
      hashed: {
        partitionBy: 'PARTITION BY HASH ("a", "b")',
        partitions: ['CREATE TABLE "hashed_h2_0" PARTITION OF "hashed" FOR VALUES WITH (MODULUS 2, REMAINDER 0);', 'CREATE TABLE "hashed_h2_1" PARTITION OF "hashed" FOR VALUES WITH (MODULUS 2, REMAINDER 1);'],
      },
    });
  });

  it('refuses the same mistakes at definition time', () => {
    expect(esm.errors).toEqual({
      pkWithoutKey: 'PRIMARY_KEY_MISSING_KEY_COLUMN',
      expressionOfAnotherTable: 'KEY_EXPRESSION_UNSUPPORTED',
      pkWithExpressionKey: 'UNIQUE_WITH_EXPRESSION_KEY',
      badBound: 'BOUND_INVALID_VALUE',
      unknownEnumLabel: 'BOUND_INVALID_VALUE',
    });
  });

  it('the CommonJS build (what drizzle-kit and our schema loader require) says the same', async () => {
    expect(await run('cjs.cjs')).toEqual(esm);
  });

  it('the DDL runs on PostgreSQL', async () => {
    const columns: Record<string, string> = {
      byExpression: '"at" timestamp with time zone NOT NULL, "v" text',
      byRawSql: '"name" text NOT NULL',
      byEnum: '"id" integer NOT NULL, "region" "region" NOT NULL, PRIMARY KEY ("id", "region")',
      snake: '"tenant_id" integer NOT NULL, "created_on" date NOT NULL',
      hashed: '"a" integer NOT NULL, "b" text NOT NULL',
    };
    const names: Record<string, string> = { byExpression: 'by_expression', byRawSql: 'by_raw_sql', byEnum: 'by_enum', snake: 'snake', hashed: 'hashed' };
    await db.sql.unsafe(`CREATE TYPE "region" AS ENUM ('eu', 'us', 'apac')`);
    for (const [k, t] of Object.entries(esm.tables)) {
      await db.sql.unsafe(`CREATE TABLE "${names[k]}" (${columns[k]}) ${t.partitionBy}`);
      for (const p of t.partitions) await db.sql.unsafe(p);
      expect((await catalogTree(db.sql, 'public', names[k]!)).children.length).toBe(t.partitions.length);
    }
    await db.sql.unsafe(`CREATE UNIQUE INDEX "snake_uq" ON "snake" ("tenant_id", "created_on")`);
  });
});
