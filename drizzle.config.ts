// The example project's drizzle config: `npx drizzle-partitions generate` at the
// repository root writes examples/basic/drizzle, as drizzle-kit generate would.
import { defineConfig } from 'drizzle-kit';
import { partitionsTablesFilter } from 'drizzle-partitions';

export default defineConfig({
  dialect: 'postgresql',
  schema: './examples/basic/schema.ts',
  out: './examples/basic/drizzle',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  // keep partitions away from drizzle-kit push/pull, which cannot see partitioned tables
  tablesFilter: partitionsTablesFilter(['events', 'tenants', 'sessions', 'metrics']),
});
