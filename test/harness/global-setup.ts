/**
 * vitest globalSetup: starts ONE PostgreSQL server for the whole run (or attaches
 * to DATABASE_URL) and provides its admin URL to the workers as `pgAdminUrl`.
 * See ./server.ts for provider selection (DATABASE_URL / PG_PROVIDER / PG_VERSION).
 */
import type { TestProject } from 'vitest/node';
import type {} from './context.js';
import { startServer } from './server.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startServer({ log: (line) => console.error(line) });
  if (server.provider !== 'embedded') {
    console.error(`[pg-harness] using ${server.provider} PostgreSQL ${server.version}`);
  }
  project.provide('pgAdminUrl', server.url);
  project.provide('pgProvider', server.provider);
  project.provide('pgServerVersion', server.version);
  return async () => {
    await server.stop();
  };
}
