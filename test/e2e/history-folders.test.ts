/**
 * The project history of history-scenario.ts on drizzle-kit 1.0's folder-per-migration
 * layout (drizzle/<YYYYMMDDHHMMSS>_<name>/migration.sql + snapshot.json, our state in
 * _partitions.json beside them): drizzle-kit 1.0.0-rc.5 + drizzle-orm 1.0.0-rc.5
 * (workspaces/drizzle-1), with drizzle-partitions installed in the project as a copy of
 * package.json + dist/, so our code runs on drizzle-orm 1.0 as it would for a user.
 *
 * drizzle 1.0 differences that shape the schema and the assertions:
 * - the config's `casing` is ignored (it is still set, to prove our tool ignores it
 *   too); casing belongs to the table: `snakeCase.table(...)`, `snakeCase.schema(...)`.
 *   So events/sessions (pgPartitionedTable = plain pgTable) keep their keys as column
 *   names ("createdAt"), metrics and app.tenants get snake_case ("tenant_id", "region_code").
 * - snapshots after the first are `type: "diff"` with `deltas`; renames are answered with
 *   `--hints` instead of a prompt; primary keys are named `<table>_pkey`.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openLayout } from '../../src/migrations/open-layout.js';
import { fingerprint } from '../support/history-kit.js';
import { describeHistory } from '../support/history-scenario.js';
import { DRIZZLE_1_MODULES, hintsArgs, renameHint, type Project } from '../support/project.js';

type Reconstruct = (files: Record<string, unknown>, id?: string) => Promise<{ ddl: { entityType: string; schema: string; name: string }[] }>;
/** drizzle-kit 1.0's own replay of a migrations folder (drizzle-kit/api-postgres). */
const { reconstruct } = createRequire(import.meta.url)(join(DRIZZLE_1_MODULES, 'drizzle-kit', 'api-postgres.js')) as { reconstruct: Reconstruct };

interface Snapshot {
  type: 'base' | 'diff';
  id: string;
  prevIds: string[];
  deltas?: unknown[];
  footprints?: unknown[];
}

/** Migration folders, in drizzle-kit's order (the migrator sorts them with localeCompare). */
async function folders(project: Project): Promise<string[]> {
  const names = (await project.list('drizzle')).filter((f) => project.exists(`drizzle/${f}/snapshot.json`));
  return names.sort((a, b) => a.localeCompare(b));
}

const snapshot = (project: Project, folder: string) => project.readJson<Snapshot>(`drizzle/${folder}/snapshot.json`);

/**
 * Our reading of the folder (src/migrations/layout-folders.ts: base ddl + deltas) agrees
 * with drizzle-kit 1.0's reconstruct on the tables drizzle-kit knew before each
 * migration, and now.
 */
async function expectLayoutAgreesWithDrizzleKit(project: Project): Promise<void> {
  const layout = openLayout(project.path('drizzle'), { prefix: 'index', breakpoints: true });
  const files: Record<string, Snapshot> = {};
  for (const m of layout.migrations) files[m.id] = await snapshot(project, m.id);
  const kitTables = async (id?: string) =>
    (await reconstruct(files, id)).ddl
      .filter((e) => e.entityType === 'tables')
      .map((e) => `${e.schema}.${e.name}`)
      .sort();
  for (const [i, m] of layout.migrations.entries()) {
    const parent = files[m.id]!.prevIds[0]!;
    const expected = /^0{8}-/.test(parent) ? [] : await kitTables(parent);
    expect([...layout.tablesBefore(i)!].sort(), `tables before ${m.id}`).toEqual(expected);
  }
  expect([...layout.tablesBefore(layout.migrations.length)!].sort(), 'tables now').toEqual(await kitTables());
}

describeHistory({
  title: 'folder layout history (drizzle-kit 1.0)',
  name: 'history-folders',
  drizzle: '1',
  dbPrefix: 'dp_e2e_fold',
  golden: join(import.meta.dirname, 'golden', 'folders'),
  dialect: {
    imports: ['snakeCase'],
    app: `snakeCase.schema('app')`,
    regionKey: 'regionCode',
    metrics: (columns, extras, partitioning) => `partitioned(snakeCase.table('metrics', ${columns}, ${extras}), ${partitioning})`,
  },
  // drizzle-kit 1.0 ignores the config's casing: pgTable columns keep their keys
  columns: { createdAt: 'createdAt', userId: 'userId', region: 'region_code' },
  migrationNoun: 'a migration folder',
  ids: folders,
  expectedIds: (names) => names.map((n) => expect.stringMatching(new RegExp(`^\\d{14}_${n}$`))),
  sqlPath: (folder) => `drizzle/${folder}/migration.sql`,
  statePath: (folder) => `drizzle/${folder}/_partitions.json`,
  async expectSnapshot(project, folder, prev, unchanged) {
    const s = await snapshot(project, folder);
    if (prev === undefined) return expect(s.type).toBe('base');
    expect(s).toMatchObject({
      type: 'diff',
      version: expect.any(String),
      dialect: 'postgres',
      prevIds: [(await snapshot(project, prev)).id],
      // a migration that changes nothing in drizzle's schema has no deltas (its footprints: push-pull.test.ts)
      ...(unchanged ? { deltas: [] } : {}),
    });
  },
  /** Both databases have applied every migration folder, by name (drizzle 1.0's bookkeeping). */
  async expectAllApplied(project, dbs) {
    const expected = await folders(project);
    for (const db of dbs) {
      const rows = await db.sql<{ name: string }[]>`select name from drizzle.__drizzle_migrations order by id`;
      expect(rows.map((r) => r.name)).toEqual(expected);
    }
  },
  expectReplayAgrees: expectLayoutAgreesWithDrizzleKit,
  rename: {
    how: ' (answered with --hints)',
    async generate(project) {
      const before = await fingerprint(project);
      // without a terminal, drizzle-kit 1.0 exits 2 and writes nothing until every question
      // has a hint: the renamed indexes too (0.31 silently dropped and re-created them)
      const partial = await project.drizzleKit(['generate', '--name', 'rename'], { hints: [renameHint('events', 'app_events')] });
      expect(partial.code).toBe(2);
      expect(partial.stdout).toContain('"kind": "index"');
      expect(await fingerprint(project)).toEqual(before);
      const unanswered = await project.cli(['generate', '--name', 'rename']);
      expect(unanswered.code).toBe(1);
      expect(unanswered.stderr).toContain('[DRIZZLE_KIT_FAILED]');
      expect(await fingerprint(project)).toEqual(before);

      // drizzle-partitions generate passes --hints through to drizzle-kit
      const hints = [
        renameHint('events', 'app_events'),
        renameHint(['public', 'app_events', 'events_kind_idx'], ['public', 'app_events', 'app_events_kind_idx'], 'index'),
        renameHint(['public', 'app_events', 'events_level_idx'], ['public', 'app_events', 'app_events_level_idx'], 'index'),
      ];
      const r = await project.cli(['generate', '--name', 'rename', ...hintsArgs(hints)]);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      return r;
    },
    indexSql: ['ALTER INDEX "events_kind_idx" RENAME TO "app_events_kind_idx";'],
  },
  preamble(project) {
    it('0. the project runs drizzle 1.0, and drizzle-partitions is a copy that resolves drizzle-orm 1.0', async () => {
      const kit = await project().drizzleKit(['--version']);
      expect(kit.stdout).toContain('1.0.0-rc.5');
      // what drizzle-orm our package's own require() finds (1.0's exports map has no ./package.json)
      const r = await project().node([
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
         import { readFileSync, realpathSync } from 'node:fs';
         import { dirname, join } from 'node:path';
         const req = createRequire(realpathSync('node_modules/drizzle-partitions/dist/cjs/index.js'));
         const orm = JSON.parse(readFileSync(join(dirname(req.resolve('drizzle-orm')), 'package.json'), 'utf8')).version;
         console.log(JSON.stringify({ orm, pkg: realpathSync('node_modules/drizzle-partitions') }));`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const seen = JSON.parse(r.stdout) as { orm: string; pkg: string };
      expect(seen.orm).toBe('1.0.0-rc.5');
      expect(seen.pkg).toBe(project().path('node_modules/drizzle-partitions'));
    });
  },
});
