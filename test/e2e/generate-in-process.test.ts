/**
 * `drizzle-partitions generate` on drizzle-kit 0.31 runs drizzle-kit inside its own
 * process and post-processes with the schema modules drizzle-kit loaded (issue 15):
 * the schema's module body runs once per generate, drizzle-kit's rename prompt still
 * works on a terminal, and drizzle-kit's failures still stop generate with its exit code.
 * The schema files count their own evaluations in a file of the project.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createProject, pgConfig, renameAnswer, type Project } from '../support/project.js';

const projects: Project[] = [];
afterAll(async () => {
  while (projects.length) await projects.pop()!.remove();
});

/** A partitioned table `name` whose module body appends a line to schema-loads.txt (cwd: the project). */
function countingSchema(name: string): string {
  return `import { appendFileSync } from 'node:fs';
import { date, integer, text } from 'drizzle-orm/pg-core';
import { pgPartitionedTable, range } from 'drizzle-partitions';
appendFileSync('schema-loads.txt', 'schema.ts\\n');
export const events = pgPartitionedTable('${name}', { id: integer().notNull(), at: date().notNull(), kind: text() }, (t) => range(t.at, { partitions: [{ from: '2026-01-01', to: '2026-02-01' }] }));
`;
}

async function loads(p: Project): Promise<number> {
  return p.exists('schema-loads.txt') ? (await p.read('schema-loads.txt')).split('\n').filter(Boolean).length : 0;
}

describe('generate on drizzle-kit 0.31: one process, the schema loaded once', { timeout: 120_000 }, () => {
  it('evaluates the schema module once per generate, and the migration is post-processed', async () => {
    const p = await createProject({ name: 'gen-once', files: { 'drizzle.config.ts': pgConfig(), 'src/schema.ts': countingSchema('events') } });
    projects.push(p);
    const r = await p.cli(['generate', '--name', 'init']);
    expect(r.code, r.stderr).toBe(0);
    expect(await loads(p)).toBe(1);
    expect(await p.read('drizzle/0000_init.sql')).toContain('PARTITION BY RANGE ("at")');
    expect(r.stdout).toContain('drizzle-partitions: 0000_init:');
    // drizzle-kit alone evaluates it once too: the same count for the same work
    const kit = await p.drizzleKit(['generate', '--name', 'nothing']);
    expect(kit.stdout).toContain('No schema changes');
    expect(await loads(p)).toBe(2);
    const again = await p.cli(['generate', '--name', 'nothing']);
    expect(again.code, again.stderr).toBe(0);
    expect(await loads(p)).toBe(3);
    expect(await p.list('drizzle')).toEqual(['0000_init.sql', 'meta']);
  });

  it("answers drizzle-kit's rename prompt on a terminal, then post-processes the rename", async () => {
    const p = await createProject({ name: 'gen-tty', files: { 'drizzle.config.ts': pgConfig(), 'src/schema.ts': countingSchema('events') } });
    projects.push(p);
    expect((await p.cli(['generate', '--name', 'init'])).code).toBe(0);
    await p.write('src/schema.ts', countingSchema('app_events'));
    const r = await p.cli(['generate', '--name', 'rename'], { answers: [renameAnswer('app_events')] });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('drizzle-partitions: 0001_rename:');
    expect(await p.read('drizzle/0001_rename.sql')).toContain('ALTER TABLE "events" RENAME TO "app_events";');
    expect(await loads(p)).toBe(2);
  });

  it("stops with drizzle-kit's exit code and output when drizzle-kit fails, having written nothing", async () => {
    const p = await createProject({ name: 'gen-fail', files: { 'drizzle.config.ts': pgConfig(), 'src/schema.ts': countingSchema('events') } });
    projects.push(p);
    const r = await p.cli(['generate', '--name', 'init', '--no-such-option']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('drizzle-kit generate exited with code 1');
    expect(r.stderr).toContain('no-such-option');
    expect(p.exists('drizzle')).toBe(false);
  });
});
