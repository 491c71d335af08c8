/**
 * The PostgreSQL error codes (SQLSTATE) the runtime and the CLI react to, by name.
 * Read an error's code with `sqlState(e)` (executor.ts).
 */
export const PG_ERRORS = {
  /** lock_timeout ran out (or NOWAIT found the lock taken): retry later. */
  lockNotAvailable: '55P03',
  deadlockDetected: '40P01',
  /** A CHECK or partition constraint refused a row (e.g. a default partition holding rows of a new partition's range). */
  checkViolation: '23514',
  /** A statement in a transaction that already failed. */
  inFailedTransaction: '25P02',
  /** The password was wrong: the CLI cannot connect. */
  invalidPassword: '28P01',
  /** A unique index refused a row (a copy batch meeting a key a writer wrote meanwhile). */
  uniqueViolation: '23505',
  /** A foreign key forbids the change (a referenced row deleted). */
  foreignKeyViolation: '23503',
  /** No such database: the CLI cannot connect. */
  invalidCatalogName: '3D000',
  /** Not allowed (also: a read row-level security would filter, under row_security = off). */
  insufficientPrivilege: '42501',
  /** No such table (the runner's record before its first run). */
  undefinedTable: '42P01',
  /** No such schema (the runner's record before its first run). */
  invalidSchemaName: '3F000',
} as const;
