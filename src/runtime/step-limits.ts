/**
 * How long one maintenance step may hold a table. Beside a default partition, a
 * new partition is attached in one transaction that holds the parent in ACCESS
 * EXCLUSIVE mode (see apply.ts): the application's statements wait at the parent
 * for the whole step, so the step must stay short. Its length grows with the rows
 * of the default partition that ATTACH reads to prove none of them belongs to the
 * new partition, and with the rows it moves out of the default. Past either limit
 * the plan says the step needs a window (`needsWindow`), and apply leaves it alone
 * unless told `window: true`.
 */
import { countUpToSql } from '../ddl/maintenance-sql.js';
import { RuntimeError } from '../errors.js';
import type { QualifiedName } from '../sql/quote.js';
import type { Executor } from './executor.js';

/** Limits on one step that holds the table (plan options, and ensurePartitions options). */
export interface StepLimits {
  /**
   * Rows of the default partition ATTACH may read while the table is held
   * (default 1,000,000: about 50 to 100 ms on a 2-core server, measured on PostgreSQL 15).
   */
  maxDefaultRows?: number;
  /** Rows one step may move out of the default partition while the table is held (default 50,000). */
  maxMoveRows?: number;
}

export const DEFAULT_MAX_DEFAULT_ROWS = 1_000_000;

/**
 * How long one transaction that makes or attaches several new partitions should last,
 * in ms (create-together.ts). Beside a default partition it holds the parent in ACCESS
 * EXCLUSIVE mode, so the application waits for it at the parent, as for any step
 * there; it is well below what one such step may take by the limits above (a default
 * partition of maxDefaultRows rows read). Without a default partition it holds the
 * parent in SHARE UPDATE EXCLUSIVE mode only: what waits is other DDL, VACUUM or
 * ANALYZE of the parent.
 */
export const CREATE_TOGETHER_BUDGET_MS = 25;
export const DEFAULT_MAX_MOVE_ROWS = 50_000;

function limitsOf(limits: StepLimits): Required<StepLimits> {
  const check = (name: string, v: number | undefined, d: number) => {
    if (v === undefined) return d;
    if (!Number.isSafeInteger(v) || v < 0) throw new RuntimeError('OPTION_INVALID', `${name} must be a whole number of rows, at least 0 (got ${v})`);
    return v;
  };
  return { maxDefaultRows: check('maxDefaultRows', limits.maxDefaultRows, DEFAULT_MAX_DEFAULT_ROWS), maxMoveRows: check('maxMoveRows', limits.maxMoveRows, DEFAULT_MAX_MOVE_ROWS) };
}

/** Rows of `table` (matching `predicate`), counted up to `limit + 1`. */
async function countUpTo(ex: Executor, table: QualifiedName, predicate: string | undefined, limit: number): Promise<number> {
  const [row] = await ex.query<{ n: string }>(countUpToSql(table, predicate, limit + 1));
  return Number(row?.n ?? 0);
}

/** What a create step will find, and whether it fits the step limits. */
export interface StepRows {
  /** Rows of the default partition that belong to the new partition (counted up to the move limit + 1). */
  defaultRows: number;
  /** Rows in the default partition (counted up to the scan limit + 1). */
  defaultSize: number;
  /** Rows already in the unattached table being resumed (a creation 0.1 stopped halfway), counted up to the move limit + 1. */
  parkedRows: number;
  /** Why the step would hold the table longer than the limits allow, or undefined. */
  needsWindow: string | undefined;
}

/**
 * Measures the default partition for the create steps of one table: its size once
 * (at the first step), then `step(predicate, resumed)` per new partition (the rows that move, the rows an
 * unattached table being resumed already holds, and whether that fits the limits).
 * Reads; changes nothing.
 *
 * @example
 * ```ts
 * const m = await measureDefault(ex, { schema: 'public', name: 'events_default' }, {});
 * const { defaultRows, needsWindow } = await m.step(rangePredicate('at', from, to), undefined);
 * ```
 */
export async function measureDefault(ex: Executor, dflt: QualifiedName | null, limits: StepLimits): Promise<{ step(predicate: string | undefined, resumed: QualifiedName | undefined): Promise<StepRows> }> {
  const l = limitsOf(limits);
  // Counted at the first step: a table with nothing to create asks nothing.
  let counted: Promise<number> | undefined;
  return {
    async step(predicate, resumed) {
      const size = await (counted ??= dflt ? countUpTo(ex, dflt, undefined, l.maxDefaultRows) : Promise.resolve(0));
      const defaultRows = dflt && size > 0 && predicate ? await countUpTo(ex, dflt, predicate, l.maxMoveRows) : 0;
      const parkedRows = resumed ? await countUpTo(ex, resumed, undefined, l.maxMoveRows) : 0;
      const reasons: string[] = [];
      if (dflt && size > l.maxDefaultRows) reasons.push(`the default partition ${dflt.name} holds more than ${l.maxDefaultRows} rows (maxDefaultRows), which ATTACH reads while the table is held`);
      if (dflt && defaultRows + parkedRows > l.maxMoveRows) reasons.push(`more than ${l.maxMoveRows} of its rows (maxMoveRows) belong to the new partition and move while the table is held`);
      return { defaultRows, defaultSize: size, parkedRows, needsWindow: reasons.length ? reasons.join('; and ') : undefined };
    },
  };
}
