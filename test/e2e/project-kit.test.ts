/**
 * Proves the e2e kit (./project.ts) with a plain drizzle schema: the real drizzle-kit CLI
 * generates, both migrators apply, a rename is answered through a pseudo-terminal, and a
 * rename without a terminal writes nothing (the trap drizzle-partitions must report).
 * Steps share one project and run in order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase, type Sql } from '../harness/db.js';
import { createProject, pgConfig, renameAnswer, REPO_ROOT, type Project } from '../support/project.js';

const kitDb = useTestDatabase({ prefix: 'dp_e2e_kit' }); // drizzle-kit migrate
const ormDb = useTestDatabase({ prefix: 'dp_e2e_orm' }); // drizzle-orm migrate()

const schema = (aName: string) => `import { index, integer, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const mood = pgEnum('mood', ['sad', 'ok', 'happy']);

export const users = pgTable('users', {
  id: integer().primaryKey().generatedAlwaysAsIdentity(),
  displayName: text().notNull(),
  mood: mood(),
});

export const a = pgTable(
  '${aName}',
  {
    id: integer().primaryKey(),
    userId: integer().references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [index().on(t.userId)],
);
`;

interface Journal {
  entries: { idx: number; tag: string; when: number }[];
}

async function tables(sql: Sql): Promise<string[]> {
  const rows = await sql<{ t: string }[]>`
    select table_schema || '.' || table_name as t from information_schema.tables
    where table_schema in ('public', 'drizzle') order by 1`;
  return rows.map((r) => r.t);
}

async function appliedCount(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
  return row!.n;
}

/** Every file under drizzle/ with its content, to prove a run changed nothing. */
async function snapshotOut(project: Project): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const dir of ['drizzle', 'drizzle/meta']) {
    for (const f of await project.list(dir)) {
      if (f !== 'meta') out[`${dir}/${f}`] = await project.read(`${dir}/${f}`);
    }
  }
  return out;
}

describe('e2e project kit (real drizzle-kit 0.31, plain schema)', () => {
  let project: Project;

  beforeAll(async () => {
    project = await createProject({
      name: 'kit',
      files: { 'drizzle.config.ts': pgConfig({ casing: 'snake_case' }), 'src/schema.ts': schema('a') },
    });
  });

  afterAll(async () => {
    await project?.remove();
  });

  it('links node_modules, resolves drizzle-partitions to the built package, runs our CLI', async () => {
    expect(project.dir).toMatch(/dp-e2e-kit-/);
    expect(await project.list('node_modules')).toEqual(expect.arrayContaining(['drizzle-kit', 'drizzle-orm', 'drizzle-partitions', 'pg', 'postgres']));
    await project.write(
      'resolve.mjs',
      `import { createRequire } from 'node:module';
       import { realpathSync } from 'node:fs';
       import { fileURLToPath } from 'node:url';
       const esm = fileURLToPath(import.meta.resolve('drizzle-partitions'));
       const cjs = createRequire(import.meta.url).resolve('drizzle-partitions');
       console.log(JSON.stringify({ esm: realpathSync(esm), cjs: realpathSync(cjs) }));`,
    );
    const r = await project.node(['resolve.mjs']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      esm: join(REPO_ROOT, 'dist/esm/index.js'),
      cjs: join(REPO_ROOT, 'dist/cjs/index.js'),
    });

    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const cli = await project.cli(['--version']);
    expect(cli).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('drizzle-kit generate writes the journal, the snapshot and the SQL', async () => {
    const r = await project.drizzleKit(['generate', '--name', 'init']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('drizzle/0000_init.sql');
    expect(await project.list('drizzle')).toEqual(['0000_init.sql', 'meta']);
    expect(await project.list('drizzle/meta')).toEqual(['0000_snapshot.json', '_journal.json']);
    const journal = await project.readJson<Journal>('drizzle/meta/_journal.json');
    expect(journal.entries.map((e) => e.tag)).toEqual(['0000_init']);
    const sql = await project.read('drizzle/0000_init.sql');
    expect(sql).toContain(`CREATE TYPE "public"."mood" AS ENUM('sad', 'ok', 'happy');`);
    expect(sql).toContain('CREATE TABLE "a" (');
    expect(sql).toContain('"display_name" text NOT NULL'); // casing from pgConfig
  });

  it('drizzle-kit migrate applies it (DATABASE_URL from the call)', async () => {
    const r = await project.migrateWithDrizzleKit(kitDb.url);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await tables(kitDb.sql)).toEqual(['drizzle.__drizzle_migrations', 'public.a', 'public.users']);
    expect(await appliedCount(kitDb.sql)).toBe(1);
    await kitDb.sql`insert into users (display_name) values ('ann')`;
    await kitDb.sql`insert into a (id, user_id) values (1, 1)`;
  });

  it("drizzle-orm's migrate() applies the same files to another database", async () => {
    await project.migrateWithOrm(ormDb.url);
    expect(await tables(ormDb.sql)).toEqual(['drizzle.__drizzle_migrations', 'public.a', 'public.users']);
    expect(await appliedCount(ormDb.sql)).toBe(1);
    await ormDb.sql`insert into users (display_name) values ('bob')`;
    await ormDb.sql`insert into a (id, user_id) values (2, 1)`;
  });

  it('without a TTY, a rename prompt makes drizzle-kit write nothing and still exit 0', async () => {
    const before = await snapshotOut(project);
    await project.write('src/schema.ts', schema('b'));
    const r = await project.drizzleKit(['generate', '--name', 'rename']);
    expect(r.code).toBe(0); // the trap: success code, no migration
    expect(r.stderr).toContain('Interactive prompts require a TTY terminal');
    expect(await snapshotOut(project)).toEqual(before);
  });

  it('under a pseudo-terminal, a prompt no answer covers fails fast and writes nothing', async () => {
    const before = await snapshotOut(project);
    const started = Date.now();
    await expect(project.drizzleKit(['generate', '--name', 'rename'], { answers: [] })).rejects.toThrow(
      /opened a prompt that no answer covers:\s+Is b table created or renamed from another table\?/,
    );
    await expect(
      project.drizzleKit(['generate', '--name', 'rename'], { answers: [{ wait: /Is zzz table/, keys: ['enter'], timeoutMs: 1000 }] }),
    ).rejects.toThrow(/answer #1 timed out: no open prompt matched \/Is zzz table\//);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await snapshotOut(project)).toEqual(before);
  });

  it('a rename answered through `answers` gives ALTER TABLE ... RENAME, applied by both migrators', async () => {
    const r = await project.drizzleKit(['generate', '--name', 'rename'], { answers: [renameAnswer('b')] });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('~ a › b table will be renamed/moved');
    expect(await project.list('drizzle')).toEqual(['0000_init.sql', '0001_rename.sql', 'meta']);
    const journal = await project.readJson<Journal>('drizzle/meta/_journal.json');
    expect(journal.entries.map((e) => e.tag)).toEqual(['0000_init', '0001_rename']);
    const sql = await project.read('drizzle/0001_rename.sql');
    expect(sql).toContain('ALTER TABLE "a" RENAME TO "b";');
    expect(sql).not.toContain('CREATE TABLE');

    const k = await project.migrateWithDrizzleKit(kitDb.url);
    expect(k.code, `${k.stdout}\n${k.stderr}`).toBe(0);
    await project.migrateWithOrm(ormDb.url);
    for (const [db, id] of [[kitDb, 1], [ormDb, 2]] as const) {
      expect(await tables(db.sql)).toEqual(['drizzle.__drizzle_migrations', 'public.b', 'public.users']);
      expect(await appliedCount(db.sql)).toBe(2);
      expect(await db.sql`select id, user_id from b`).toEqual([{ id, user_id: 1 }]); // rows kept: renamed, not re-created
    }
  });
});
