/**
 * The manual operations and `status --tablespaces` from a user's terminal: a
 * partition created in a tablespace, moved with its indexes, shown by status in
 * text and JSON; the default partition refused with its code (exit 1); stdout holds
 * the JSON alone with --json, progress goes to stderr. Tablespaces are made in place
 * (allow_in_place_tablespaces), so this runs on any server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';
import { createProject, pgConfig, type Project } from '../support/project.js';
import { createInPlaceTablespaces, dropTablespaces } from '../support/tablespaces.js';

const db = useTestDatabase({ prefix: 'dp_e2e_part' });
let project: Project;
const suffix = `${process.pid}_${Date.now() % 100000}`;
const HOT = `tsc_hot_${suffix}`;
const COLD = `tsc_cold_${suffix}`;

const schema = `import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { pgPartitionedTable, range } from 'drizzle-partitions';

export const events = pgPartitionedTable(
  'events',
  { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), kind: text() },
  (t) => [primaryKey({ columns: [t.id, t.at] })],
  (t) => range(t.at, { maintenance: { interval: '1 day', premake: 1, tablespace: '${HOT}' } }),
);
`;

beforeAll(async () => {
  await createInPlaceTablespaces(db.sql, [HOT, COLD]);
  project = await createProject({ name: 'partcli', files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': schema } });
  // the table as the schema's migration makes it (generate + migrate are tested elsewhere, and cost seconds)
  await db.sql.unsafe(`create table events (id bigint not null, at timestamptz not null, kind text, primary key (id, at)) partition by range (at)`);
  await db.sql.unsafe(`create table events_default partition of events default`);
});
afterAll(async () => {
  await project?.remove();
  await db.sql.unsafe('drop table if exists events cascade');
  await dropTablespaces(db.sql, [HOT, COLD]);
});

describe('partition create / move / detach and status --tablespaces', () => {
  const url = () => ['--url', db.url];

  it('creates a partition in the tablespace given, moves with the indexes, and status shows where each lies', async () => {
    const c = await project.cli(['partition', 'create', '--table', 'events', '--from', '2026-04-01', '--to', '2026-04-02', '--tablespace', HOT, '--json', ...url()]);
    expect(c.code, c.stderr).toBe(0);
    const made = JSON.parse(c.stdout);
    expect(made).toMatchObject({ operation: 'create', status: 'done', partition: { name: 'events_p20260401' } });
    expect(c.stderr).toContain('partition create on events');
    // made in place beside the default partition (no rows to move): table and index in the tablespace
    const made1 = await db.sql<{ n: string; ts: string | null }[]>`select c.relname as n, t.spcname as ts from pg_class c left join pg_tablespace t on t.oid = c.reltablespace where c.relname in ('events_p20260401', 'events_p20260401_pkey') order by 1`;
    expect(made1.map((x) => [x.n, x.ts])).toEqual([['events_p20260401', HOT], ['events_p20260401_pkey', HOT]]);

    const m = await project.cli(['partition', 'move', '--table', 'events', '--partition', 'events_p20260401', '--tablespace', COLD, ...url()]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/✓ move public\.events_p20260401: done — moved to tablespace tsc_cold_\S+: 1 table\(s\), 1 index\(es\) rewritten/);

    const s = await project.cli(['status', '--tablespaces', '--json', '--now', '2026-04-01T10:00:00Z', ...url()]);
    const json = JSON.parse(s.stdout);
    const p = json.tables[0].tablespaces.find((x: { name: string }) => x.name === 'events_p20260401');
    expect(p).toMatchObject({ tablespace: COLD, level: 1, indexes: [{ name: 'events_p20260401_pkey', tablespace: COLD }] });
    const text = await project.cli(['status', '--tablespaces', '--now', '2026-04-01T10:00:00Z', ...url()]);
    expect(text.stdout).toMatch(new RegExp(`events_p20260401\\s+${COLD}\\s+events_p20260401_pkey \\(${COLD}\\)`));
    expect(text.stdout).toMatch(/events_default\s+\(default\)\s+events_default_pkey \(\(default\)\)/);
  });

  it('refuses the default partition with its code, exit 1, nothing done', async () => {
    const r = await project.cli(['partition', 'detach', '--table', 'events', '--partition', 'events_default', ...url()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ detach public\.events_default: refused — \[PARTITION_IS_DEFAULT\] public\.events_default is the default partition of public\.events/);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_inherits where inhrelid = 'events_default'::regclass`;
    expect(row!.n).toBe(1);
  });
});
