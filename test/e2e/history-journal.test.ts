/**
 * The project history of history-scenario.ts on drizzle-kit 0.31's journal layout:
 * drizzle/<tag>.sql, meta/_journal.json, meta/<NNNN>_snapshot.json (id, prevId), our
 * state in meta/_partitions/<tag>.json. The config's `casing: 'snake_case'` names every
 * column; a rename is answered at drizzle-kit's prompt, through a pseudo-terminal.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeHistory } from '../support/history-scenario.js';
import { renameAnswer, type Project } from '../support/project.js';

interface Journal {
  entries: { tag: string; when: number }[];
}
interface Snapshot {
  id: string;
  prevId: string;
}

const journal = (project: Project) => project.readJson<Journal>('drizzle/meta/_journal.json');
/** `0003_seed` -> `drizzle/meta/0003_snapshot.json` */
const snapshot = (project: Project, tag: string) => project.readJson<Snapshot>(`drizzle/meta/${tag.split('_')[0]}_snapshot.json`);

describeHistory({
  title: 'journal layout history',
  name: 'history',
  drizzle: '0.31',
  dbPrefix: 'dp_e2e_hist',
  golden: join(import.meta.dirname, 'golden', 'journal'),
  dialect: {
    imports: ['pgSchema'],
    app: `pgSchema('app')`,
    regionKey: 'region',
    metrics: (columns, extras, partitioning) => `pgPartitionedTable('metrics', ${columns}, ${extras}, ${partitioning})`,
  },
  columns: { createdAt: 'created_at', userId: 'user_id', region: 'region' },
  migrationNoun: 'a migration',
  ids: async (project) => (await journal(project)).entries.map((e) => e.tag),
  expectedIds: (names) => names.map((n, i) => `${String(i).padStart(4, '0')}_${n}`),
  sqlPath: (tag) => `drizzle/${tag}.sql`,
  statePath: (tag) => `drizzle/meta/_partitions/${tag}.json`,
  async expectSnapshot(project, tag, prev, unchanged) {
    const { id: _id, prevId, ...schema } = await snapshot(project, tag);
    if (prev === undefined) return expect(prevId).toBe('00000000-0000-0000-0000-000000000000');
    const { id: prevSnapshotId, prevId: _prevId, ...prevSchema } = await snapshot(project, prev);
    expect(prevId).toBe(prevSnapshotId);
    if (unchanged) expect(schema).toEqual(prevSchema);
  },
  async expectAllApplied(project, dbs) {
    // drizzle 0.x records each migration's journal `when` as created_at
    const expected = (await journal(project)).entries.map((e) => e.when);
    for (const db of dbs) {
      const rows = await db.sql<{ at: string }[]>`select created_at::text as at from drizzle.__drizzle_migrations order by id`;
      expect(rows.map((r) => Number(r.at))).toEqual(expected);
    }
  },
  rename: {
    how: " (answered at drizzle-kit's prompt)",
    async generate(project) {
      const kit = await project.drizzleKit(['generate', '--name', 'rename'], { answers: [renameAnswer('app_events')] });
      expect(kit.code).toBe(0);
      const pp = await project.cli(['postprocess']);
      expect(pp.code, pp.stderr).toBe(0);
      return pp;
    },
    // drizzle-kit 0.31 drops the renamed table's indexes and creates them again
    indexSql: ['DROP INDEX "events_kind_idx";', 'CREATE INDEX "app_events_kind_idx" ON "app_events"'],
  },
});
