/**
 * Bad input and refused changes: each ends with a clear error naming the file or
 * table, a non-zero exit code, and not one byte changed under drizzle/.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../support/history-kit.js';
import { createProject, pgConfig, type DrizzleLine, type Project } from '../support/project.js';

const base = (extra = '') => `import { index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { hash, pgPartitionedTable, range } from 'drizzle-partitions';

export const users = pgTable('users', { id: integer().primaryKey(), name: text() });
export const events = pgPartitionedTable(
  'events',
  { id: integer().notNull(), at: timestamp({ withTimezone: true }).notNull(), kind: text() },
  (t) => [primaryKey({ columns: [t.id, t.at] })],
  (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] }),
);
${extra}`;

const projects: Project[] = [];
afterEach(async () => {
  while (projects.length) await projects.pop()!.remove();
});

/** A project with one processed migration (0000_init, or drizzle-kit 1.0's <stamp>_init folder). */
async function baseline(extra = '', drizzle: DrizzleLine = '0.31'): Promise<Project> {
  const p = await createProject({ name: 'refuse', drizzle, files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': base(extra) } });
  projects.push(p);
  const r = await p.cli(['generate', '--name', 'init']);
  if (r.code !== 0) throw new Error(`baseline failed:\n${r.stdout}\n${r.stderr}`);
  return p;
}


/** Runs `args`, expects exit code 1 with every `mentions` in stderr, and nothing written. */
async function refused(p: Project, args: string[], mentions: string[]): Promise<string> {
  const before = await fingerprint(p);
  const r = await p.cli(args);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  for (const m of mentions) expect(r.stderr).toContain(m);
  expect(r.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  expect(await fingerprint(p)).toEqual(before);
  return r.stderr;
}

describe('refusals and bad input (journal layout)', () => {
  it('a malformed snapshot stops generate before drizzle-kit silently writes nothing', async () => {
    const p = await baseline();
    const snap = await p.readJson<{ tables: Record<string, Record<string, unknown>> }>('drizzle/meta/0000_snapshot.json');
    snap.tables['public.events']!.partitions = 'oops';
    await p.write('drizzle/meta/0000_snapshot.json', JSON.stringify(snap, null, 2));
    await p.write('src/schema.ts', base(`export const extra = pgTable('extra', { id: integer() });`));
    await refused(p, ['generate', '--name', 'next'], ['[SNAPSHOT_MALFORMED]', '0000_snapshot.json', 'public.events', 'partitions']);
  });

  it('a missing journal', async () => {
    const p = await baseline();
    await (await import('node:fs/promises')).rm(p.path('drizzle/meta/_journal.json'));
    await refused(p, ['postprocess'], ['[JOURNAL_MISSING]', '_journal.json']);
  });

  it('a schema file that throws', async () => {
    const p = await baseline();
    await p.write('src/schema.ts', `${base()}\nthrow new Error('schema exploded');\n`);
    await refused(p, ['postprocess'], ['schema.ts', 'schema exploded']);
  });

  it('a definition mistake in the schema names table and column', async () => {
    const p = await baseline();
    await p.write('src/schema.ts', base(`export const bad = pgPartitionedTable('bad', { id: integer().primaryKey(), at: timestamp().notNull() }, (t) => range(t.at, {}));`));
    await refused(p, ['postprocess'], ['[PRIMARY_KEY_MISSING_KEY_COLUMN]', 'public.bad', '"at"']);
  });

  it('turning a plain table into a partitioned one whose primary key lacks the partition key: refused when the schema loads, with the fix', async () => {
    const p = await baseline();
    await p.write('src/schema.ts', base().replace("export const users = pgTable('users', { id: integer().primaryKey(), name: text() });", "export const users = pgPartitionedTable('users', { id: integer().primaryKey(), name: text().notNull() }, undefined, (t) => hash(t.name, { partitions: 2 }));"));
    const stderr = await refused(p, ['generate', '--name', 'convert'], ['[PRIMARY_KEY_MISSING_KEY_COLUMN]', 'public.users', '"name"']);
    expect(stderr).toMatch(/fix: .*primaryKey/);
  });

  it('a partitioned table that no migration creates', async () => {
    const p = await baseline();
    await p.write('src/schema.ts', base(`export const late = pgPartitionedTable('late', { id: integer().notNull() }, (t) => hash(t.id, { partitions: 2 }));`));
    await refused(p, ['postprocess'], ['[TABLE_MISSING_FROM_MIGRATION]', 'public.late']);
  });

  it('a changed bound of an existing partition', async () => {
    const p = await baseline();
    await p.write('src/schema.ts', base().replace("{ from: '2026-01-01', to: '2026-02-01' }", "{ from: '2026-01-01', to: '2026-03-01', name: 'events_p20260101' }"));
    await refused(p, ['postprocess'], ['[BOUND_CHANGED]', '"events_p20260101"', 'public.events']);
  });

  it('a rename prompt without a terminal is reported, not swallowed', async () => {
    const p = await baseline();
    await p.write('src/schema.ts', base().replace("pgTable('users'", "pgTable('people'"));
    await refused(p, ['generate', '--name', 'rename'], ['[DRIZZLE_KIT_FAILED]', 'renamed', 'terminal']);
  });

  it('migrations.prefix "none" is refused with the reason', async () => {
    const p = await createProject({ name: 'refuse-none', files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts', prefix: 'none' }), 'src/schema.ts': base() } });
    projects.push(p);
    const r = await p.cli(['generate', '--name', 'init']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[PREFIX_UNSUPPORTED]');
    expect(await p.list('drizzle')).toEqual([]); // refused before drizzle-kit ran
  });
});

describe('rules that protect written migrations', () => {
  it('a frozen migration is never rewritten; its state is recorded', async () => {
    const p = await createProject({ name: 'frozen', files: { 'drizzle.config.ts': pgConfig({ schema: './src/schema.ts' }), 'src/schema.ts': base() } });
    projects.push(p);
    expect((await p.drizzleKit(['generate', '--name', 'init'])).code).toBe(0);
    const original = await p.read('drizzle/0000_init.sql');
    const frozen = `-- drizzle-partitions: frozen\n${original.replace('\n);', '\n) PARTITION BY RANGE ("at");')}`;
    await p.write('drizzle/0000_init.sql', frozen);
    const r = await p.cli(['postprocess']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0000_init: frozen');
    expect(await p.read('drizzle/0000_init.sql')).toBe(frozen);
    expect(await p.exists('drizzle/meta/_partitions/0000_init.json')).toBe(true);
  });

  it('an interrupted run (SQL rewritten, state not yet written) converges without rewriting twice', async () => {
    const p = await baseline();
    const sql = await p.read('drizzle/0000_init.sql');
    const state = await p.read('drizzle/meta/_partitions/0000_init.json');
    await (await import('node:fs/promises')).rm(p.path('drizzle/meta/_partitions/0000_init.json'));
    const r = await p.cli(['postprocess']);
    expect(r.code, r.stderr).toBe(0);
    expect(await p.read('drizzle/0000_init.sql')).toBe(sql);
    expect(await p.read('drizzle/meta/_partitions/0000_init.json')).toBe(state);
  });
});

/**
 * The base schema plus a column `note` (so drizzle-kit writes a migration) and, when
 * `rekeyed`, events partitioned by HASH ("id") instead of RANGE ("at"): a key change
 * PostgreSQL cannot make in place, refused whatever drizzle-kit wrote.
 */
const noted = (rekeyed: boolean) => {
  const schema = base().replace('kind: text() }', 'kind: text(), note: text() }');
  return rekeyed ? schema.replace("range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] })", 'hash(t.id, { partitions: 2 })') : schema;
};

/** The migrations, by journal tag (0.31) or folder name (1.0). */
async function migrationIds(p: Project): Promise<string[]> {
  if (p.drizzle === '0.31') return (await p.readJson<{ entries: { tag: string }[] }>('drizzle/meta/_journal.json')).entries.map((e) => e.tag);
  return (await p.list('drizzle')).filter((f) => p.exists(`drizzle/${f}/snapshot.json`));
}

describe.each(['0.31', '1'] as const)('a refusal after drizzle-kit wrote its migration (drizzle-kit %s)', (drizzle) => {
  it('generate takes drizzle-kit\'s migration back and says so; fixing the schema and generating again works', async () => {
    const p = await baseline('', drizzle);
    const [init] = await migrationIds(p);
    await p.write('src/schema.ts', noted(true));
    const stderr = await refused(p, ['generate', '--name', 'rekey'], ['[KEY_CHANGED]', 'public.events', 'RANGE ("at")', 'HASH ("id")', "drizzle-kit's new migration", '_rekey was removed again', 'nothing is written', 'run drizzle-partitions generate again']);
    if (drizzle === '1') expect(stderr).toMatch(/_rekey was removed again \(drizzle\/\d{14}_rekey\)/);
    else expect(stderr).toContain('0001_rekey was removed again (drizzle/0001_rekey.sql, drizzle/meta/0001_snapshot.json; drizzle/meta/_journal.json put back as it was)');
    expect(stderr).not.toContain('start over'); // nothing left to delete by hand
    await p.write('src/schema.ts', noted(false));
    const r = await p.cli(['generate', '--name', 'note']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const ids = await migrationIds(p);
    expect(ids).toEqual([init, expect.stringMatching(/^\d+_note$/)]);
    expect(await p.read(drizzle === '1' ? `drizzle/${ids[1]}/migration.sql` : `drizzle/${ids[1]}.sql`)).toMatch(/ADD COLUMN "note" text/);
    const check = await p.drizzleKit(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('postprocess after drizzle-kit generate names the files to delete and the command to run; doing so works', async () => {
    const p = await baseline('', drizzle);
    await p.write('src/schema.ts', noted(true));
    const kit = await p.drizzleKit(['generate', '--name', 'rekey']);
    expect(kit.code, kit.stdout + kit.stderr).toBe(0);
    const ids = await migrationIds(p);
    const rekey = ids[1]!;
    const files = drizzle === '1' ? [`the folder drizzle/${rekey}`] : ['drizzle/0001_rekey.sql', 'drizzle/meta/0001_snapshot.json', 'the "0001_rekey" entry of drizzle/meta/_journal.json'];
    await refused(p, ['postprocess'], ['[KEY_CHANGED]', 'public.events', ...files, 'fix the schema and run drizzle-partitions generate']);
    // what the hint says, done by hand
    if (drizzle === '1') await rm(p.path(`drizzle/${rekey}`), { recursive: true });
    else {
      await rm(p.path('drizzle/0001_rekey.sql'));
      await rm(p.path('drizzle/meta/0001_snapshot.json'));
      const journal = await p.readJson<{ entries: { tag: string }[] }>('drizzle/meta/_journal.json');
      await p.write('drizzle/meta/_journal.json', JSON.stringify({ ...journal, entries: journal.entries.filter((e) => e.tag !== rekey) }, null, 2));
    }
    await p.write('src/schema.ts', noted(false));
    const r = await p.cli(['generate', '--name', 'note']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await migrationIds(p)).toEqual([ids[0], expect.stringMatching(/^\d+_note$/)]);
    const check = await p.drizzleKit(['check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});

it('generate({ dryRun: true }) from code reports what it would do and writes nothing, drizzle-kit\'s files included', async () => {
  const p = await baseline();
  await p.write('src/schema.ts', base().replace('kind: text() }', 'kind: text(), note: text() }').replace("{ from: '2026-01-01', to: '2026-02-01' }", "{ from: '2026-01-01', to: '2026-02-01' }, { from: '2026-02-01', to: '2026-03-01' }"));
  const before = await fingerprint(p);
  const script = "import { generate } from 'drizzle-partitions/migrations'; const r = await generate({ dryRun: true, stdio: 'pipe' }); console.log(JSON.stringify({ report: r.report, written: r.written }));";
  const r = await p.node(['--input-type=module', '-e', script]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { report: { id: string; action: string; notes: string[] }[]; written: string[] };
  expect(out.written).toEqual([]);
  expect(out.report).toEqual([expect.objectContaining({ id: expect.stringMatching(/^0001_/), action: 'rewritten', notes: [expect.stringContaining('create partition events_p20260201')] })]);
  expect(await fingerprint(p)).toEqual(before);
});
