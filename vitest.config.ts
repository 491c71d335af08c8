import { defineConfig } from 'vitest/config';
import { testFilesByServerUse } from './scripts/test-files.mjs';

// Two projects: unit tests (no database; `vitest run --project unit` takes seconds) and
// the tests on a real PostgreSQL server, which start one server per run (embedded,
// DATABASE_URL or testcontainers: test/harness/global-setup.ts); each of those files
// gets its own database via useTestDatabase() from test/harness/db.ts. A file belongs
// to `db` when it, or a module of test/ it imports, asks the harness for a database.
const { server, unit } = testFilesByServerUse();

const shared = { testTimeout: 30_000, hookTimeout: 60_000, teardownTimeout: 60_000, pool: 'forks' as const, fileParallelism: true };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: unit } },
      { test: { ...shared, name: 'db', include: server, globalSetup: ['test/harness/global-setup.ts'] } },
    ],
  },
});
