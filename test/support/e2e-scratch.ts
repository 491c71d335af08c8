/**
 * What an e2e file that runs projects against databases of their own needs: the
 * harness's test database, scratch databases made from it, and the projects made,
 * all removed after the file.
 */
import { afterAll } from 'vitest';
import { connect, createScratchDatabase, type ScratchDatabase } from '../harness/client.js';
import { useTestDatabase, type Sql, type TestDatabase } from '../harness/db.js';
import type { Project } from './project.js';

export interface E2eScratch {
  db: TestDatabase;
  /** Keeps `p` to be removed after the file; returns it. */
  keep<P extends Project>(p: P): P;
  /** A new empty database (and a client of it), dropped after the file. */
  freshDb(): Promise<{ url: string; sql: Sql }>;
}

/** Call at the top of a test file; `prefix` names its databases. */
export function useE2eScratch(prefix: string): E2eScratch {
  const db = useTestDatabase({ prefix });
  const projects: Project[] = [];
  const dbs: { scratch: ScratchDatabase; sql: Sql }[] = [];
  afterAll(async () => {
    while (projects.length) await projects.pop()!.remove();
    for (const d of dbs) {
      await d.sql.end({ timeout: 5 });
      await d.scratch.drop();
    }
  });
  return {
    db,
    keep(p) {
      projects.push(p);
      return p;
    },
    async freshDb() {
      const scratch = await createScratchDatabase(db.adminUrl, { prefix });
      const sql = connect(scratch.url, { max: 2 });
      dbs.push({ scratch, sql });
      return { url: scratch.url, sql };
    },
  };
}
