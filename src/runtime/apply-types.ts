/**
 * What apply() takes and gives back (its options, a result per operation, progress
 * events), shared by the create steps (apply-creates.ts) and the rest (apply.ts).
 */
import { DrizzlePartitionsError } from '../errors.js';
import { sqlState } from './executor.js';
import type { LockOptions } from './lock.js';
import type { MaintenanceOp } from './plan.js';

/**
 * A step of an operation beginning (`movedRows` once an attach that moved rows has committed).
 *
 * @example
 * ```ts
 * await apply(db, work, { onProgress: (e: ProgressEvent) => console.log(e.op.partition.name, e.phase, e.movedRows ?? '') });
 * ```
 */
export interface ProgressEvent {
  op: MaintenanceOp;
  phase: 'create' | 'attach' | 'attached' | 'detach';
  movedRows?: number;
}

/**
 * Options of {@link apply} (and of ensurePartitions).
 *
 * @example
 * ```ts
 * await apply(db, p, { allowDestructive: true, lockTimeoutMs: 500, onProgress: (e) => console.error(e.phase, e.op.partition.name) });
 * ```
 */
export interface ApplyOptions extends LockOptions {
  /** Retire steps (detach, drop, move) only run with this (the CLI's --yes). */
  allowDestructive?: boolean;
  /**
   * Carry out steps the plan marked `needsWindow` too (the CLI's --window): the
   * application waits at the table for the whole move. For a maintenance window.
   */
  window?: boolean;
  /** A second maintainer on the same table: wait for it, or skip the table (default skip). */
  concurrentMaintainer?: 'wait' | 'skip';
  /** How long `wait` waits, in ms (default 30,000). */
  maintainerWaitMs?: number;
  /** Use DETACH ... CONCURRENTLY where the server allows it (default true). */
  detachConcurrently?: boolean;
  /**
   * About how long one transaction that makes or attaches several new partitions of a
   * table may last, in ms (default 25; see create-together.ts). Beside a default
   * partition the application waits at the parent for one such transaction at a time;
   * without one it does not wait. 0: one partition per transaction.
   */
  createBatchMs?: number;
  onProgress?: (e: ProgressEvent) => void;
  /** The clock, for the marks written on partitions. */
  now?: Date;
}

/**
 * What happened to one operation.
 *
 * @example
 * ```ts
 * const failed: OpResult[] = result.results.filter((r) => r.status === 'failed');
 * for (const r of failed) console.error(r.op.partition.name, r.code, r.reason);
 * ```
 */
export interface OpResult {
  op: MaintenanceOp;
  status: 'done' | 'failed' | 'skipped';
  /** Why it failed or was skipped, as a sentence. */
  reason?: string;
  /** Error code, when it failed with one (LOCK_TIMEOUT, a SQLSTATE, ...). */
  code?: string;
  /** Lock attempts used by the step that needed the most. */
  attempts: number;
  movedRows?: number;
  /** How the step was done, e.g. 'detach concurrently' or 'detach (default partition present)'. */
  method?: string;
  ms: number;
}

/**
 * The outcome of {@link apply}: one result per operation of the plan.
 *
 * @example
 * ```ts
 * const result: ApplyResult = await apply(db, await plan(db, [events]));
 * if (result.skippedTables.length) console.warn('maintained elsewhere:', result.skippedTables);
 * ```
 */
export interface ApplyResult {
  results: OpResult[];
  /** Tables skipped because another maintainer held their lock. */
  skippedTables: string[];
}

/** An op's result before its op and time are added. */
export type Step = Omit<OpResult, 'op' | 'ms'>;

/** The result of an op that threw `e` after `ms` ms. */
export function failed(op: MaintenanceOp, e: unknown, ms: number): OpResult {
  const code = e instanceof DrizzlePartitionsError ? e.code : sqlState(e);
  return { op, status: 'failed', reason: (e as Error).message, code, attempts: (e as { attempts?: number }).attempts ?? 0, ms };
}
