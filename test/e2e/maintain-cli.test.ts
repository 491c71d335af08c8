/**
 * The whole workflow from a user's terminal: generate + migrate a schema with a
 * maintenance policy, then `status`, `plan` and `apply` with their exit codes
 * (0 healthy/done, 1 problem found or step failed, 2 usage or connection error).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../harness/db.js';
import { createProject, pgConfig, type Project } from '../support/project.js';

const db = useTestDatabase({ prefix: 'dp_e2e_cli' });
let project: Project;

const schema = `import { bigint, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { pgPartitionedTable, range } from 'drizzle-partitions';

export const events = pgPartitionedTable(
  'events',
  { id: bigint({ mode: 'number' }).notNull(), at: timestamp({ withTimezone: true }).notNull(), kind: text() },
  (t) => [primaryKey({ columns: [t.id, t.at] })],
  (t) => range(t.at, { maintenance: { interval: '1 day', premake: 2, retention: { keep: '3 days', action: 'drop' } } }),
);
`;

beforeAll(async () => {
  project = await createProject({ name: 'cli', files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': schema } });
  expect((await project.cli(['generate', '--name', 'init'])).code).toBe(0);
  expect((await project.migrateWithDrizzleKit(db.url)).code).toBe(0);
});
afterAll(async () => {
  await project?.remove();
});

describe('status / plan / apply', () => {
  const at = (day: string) => ['--url', db.url, '--now', `2026-04-${day}T10:00:00Z`];

  it('status finds the missing partitions and exits 1', async () => {
    const r = await project.cli(['status', ...at('01')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('public.events  RANGE (at)  (every 1 day, premake 2, keep 3 days then drop)');
    expect(r.stdout).toMatch(/! premake-short: 0 partition\(s\) ready ahead, policy wants 2/);
  });

  it('plan lists the steps; apply does them; status is then healthy (exit 0), also as JSON', async () => {
    const p = await project.cli(['plan', ...at('01')]);
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('create events_p20260401 (current)');
    expect(p.stdout).toContain('create events_p20260403 (premake)');
    const a = await project.cli(['apply', ...at('01')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.match(/✓ create/g)).toHaveLength(3);
    const s = await project.cli(['status', '--json', ...at('01')]);
    expect(s.code).toBe(0);
    const json = JSON.parse(s.stdout);
    expect(json.healthy).toBe(true);
    expect(json.tables[0].partitions.map((x: { name: string }) => x.name)).toEqual(['events_default', 'events_p20260401', 'events_p20260402', 'events_p20260403']);
  });

  it('retiring needs --yes: without it the step is skipped and reported', async () => {
    const a = await project.cli(['apply', ...at('09')]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/- retire events_p20260401 \(drop\): skipped — .*--yes/);
    const s = await project.cli(['status', ...at('09')]);
    expect(s.code).toBe(1);
    expect(s.stdout).toContain('past-retention');
    const y = await project.cli(['apply', '--yes', ...at('09')]);
    expect(y.code).toBe(0);
    // the fallback names why: the default partition, or on PostgreSQL 13 the version (it has no DETACH CONCURRENTLY at all)
    const why = db.serverMajor < 14 ? `PostgreSQL ${db.serverMajor} has no DETACH CONCURRENTLY` : 'the table has a default partition';
    expect(y.stdout).toMatch(new RegExp(`✓ retire events_p20260401 \\(drop\\): done — detach with lock_timeout \\(${why}`));
    expect((await project.cli(['status', ...at('09')])).code).toBe(0);
  });

  it('apply --json: stdout is the JSON alone while rows move (progress on stderr); a step past the limits waits for --window', async () => {
    // Rows for 14 April wait in the default partition.
    await db.sql.unsafe(`insert into events (id, at, kind) select g, timestamptz '2026-04-14' + g * interval '1 minute', 'early' from generate_series(1, 300) g`);
    const st = await project.cli(['status', ...at('12'), '--max-move-rows', '100']);
    expect(st.code).toBe(1);
    expect(st.stdout).toMatch(/! needs-window: creating events_p20260414 needs a maintenance window: more than 100 of its rows \(maxMoveRows\)/);
    const held = await project.cli(['apply', '--json', '--yes', ...at('12'), '--max-move-rows', '100']);
    expect(held.code, held.stderr).toBe(1); // a step left for a window is a problem to see
    const heldJson = JSON.parse(held.stdout);
    expect(heldJson.results.filter((r: { code?: string }) => r.code === 'NEEDS_WINDOW').map((r: { op: { partition: { name: string } } }) => r.op.partition.name)).toEqual(['events_p20260414']);
    // the steps within the limits were done meanwhile
    const done = heldJson.results.filter((r: { status: string }) => r.status === 'done').map((r: { op: { partition: { name: string } } }) => r.op.partition.name);
    expect(done).toEqual(expect.arrayContaining(['events_p20260412', 'events_p20260413']));
    expect(done).not.toContain('events_p20260414');
    const a = await project.cli(['apply', '--json', '--yes', '--window', ...at('12'), '--max-move-rows', '100']);
    expect(a.code, a.stderr).toBe(0);
    const json = JSON.parse(a.stdout); // nothing but the JSON on stdout
    const moved = json.results.filter((r: { movedRows?: number }) => r.movedRows).map((r: { op: { partition: { name: string } }; movedRows: number }) => [r.op.partition.name, r.movedRows]);
    expect(moved).toEqual([['events_p20260414', 300]]);
    expect(a.stderr).toContain('events_p20260414: attached, 300 row(s) moved out of the default partition');
    expect((await project.cli(['status', ...at('12')])).code).toBe(0);
  });

  it('usage and connection errors exit 2', async () => {
    expect((await project.cli(['status', '--frobnicate'])).code).toBe(2);
    const bad = await project.cli(['status', '--url', 'postgres://postgres@127.0.0.1:1/none']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot connect|ECONNREFUSED/);
  });
});
