import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real PostgreSQL server per run (embedded, DATABASE_URL or testcontainers);
    // each test file gets its own database via useTestDatabase() from test/harness/db.ts.
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
  },
});
