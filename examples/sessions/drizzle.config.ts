// Paths are relative to this folder: run drizzle-kit and drizzle-partitions from here,
//   cd examples/sessions && node ../../dist/esm/cli/main.js generate --name init
// (in an application: npx drizzle-partitions generate).
import { defineConfig } from 'drizzle-kit';
import { partitionsTablesFilter } from 'drizzle-partitions';

export default defineConfig({
  dialect: 'postgresql',
  schema: './schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  // keep partitions away from drizzle-kit push/pull, which cannot see partitioned tables
  tablesFilter: partitionsTablesFilter(['sessions']),
});
