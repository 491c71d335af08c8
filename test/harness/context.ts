/**
 * Values the global setup hands to test workers via `project.provide()` /
 * `inject()`. Type-only module (empty at runtime).
 */
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the shared test server (database `postgres`, superuser or CREATEDB). */
    pgAdminUrl: string;
    /** Which provider supplied the server. */
    pgProvider: 'url' | 'embedded' | 'testcontainers';
    /** server_version, e.g. "18.4". */
    pgServerVersion: string;
  }
}
