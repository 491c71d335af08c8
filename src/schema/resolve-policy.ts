/**
 * Checks a maintenance policy against the partitioning it belongs to and resolves
 * it: a time policy for date/timestamp keys, an integer policy for integer keys.
 */
import type { DefinitionErrorCode } from '../errors.js';
import { identifierProblem } from '../sql/quote.js';
import { INTEGER_KEY_TYPES, TIME_KEY_TYPES } from '../bound/key-type.js';
import {
  DEFAULT_PREMAKE,
  calendarMonths,
  formatInterval,
  intervalHours,
  parseTimeInterval,
  type TimeInterval,
} from './policy.js';
import type { MaintenancePolicy, PartitionLevel, RetentionAction } from './resolved.js';
import type { MaintenancePolicyInput } from './spec.js';

type Fail = (code: DefinitionErrorCode, message: string, hint?: string) => never;

function resolveAction(action: unknown, fail: Fail): RetentionAction {
  if (action === undefined || action === 'detach') return { kind: 'detach' };
  if (action === 'drop') return { kind: 'drop' };
  if (typeof action === 'object' && action !== null) {
    const a = action as Record<string, unknown>;
    const target = a.moveToSchema ?? a.moveToTablespace;
    const kind = 'moveToSchema' in a ? 'schema' : 'moveToTablespace' in a ? 'tablespace' : undefined;
    if (kind && Object.keys(a).length === 1) {
      const problem = identifierProblem(target as string);
      if (problem) fail('POLICY_RETENTION_ACTION_INVALID', `retention ${kind} name ${JSON.stringify(target)} ${problem}`);
      return kind === 'schema' ? { kind: 'move-schema', schema: target as string } : { kind: 'move-tablespace', tablespace: target as string };
    }
  }
  return fail('POLICY_RETENTION_ACTION_INVALID', `retention action ${JSON.stringify(action)} is not one of 'detach', 'drop', { moveToSchema }, { moveToTablespace }`, "write action: 'detach' (keeps the table), 'drop', { moveToSchema: 'archive' } or { moveToTablespace: 'cold' }");
}

function positiveInteger(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v > 0n ? v : undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return BigInt(v);
  return undefined;
}

/** Resolves `input` for `level`; calls `fail` (which throws) on a mistake. */
export function resolvePolicy(input: MaintenancePolicyInput, level: PartitionLevel, fail: Fail): MaintenancePolicy {
  if (typeof input !== 'object' || input === null || !('interval' in input)) {
    return fail('POLICY_INVALID', 'maintenance must be an object with an interval', "write maintenance: { interval: '1 month', premake: 3 }");
  }
  const key = level.keys[0]!;
  if (level.method !== 'range' || level.keys.length !== 1) {
    return fail('POLICY_UNSUPPORTED_KEY', `a maintenance policy drives RANGE partitioning on one key; this table is ${level.method.toUpperCase()} on ${level.keys.length} key element(s)`, level.method === 'list' ? 'create LIST partitions on demand with ensurePartitions(db, table, values)' : 'remove maintenance, or partition by RANGE on one time or integer column');
  }
  const isTime = TIME_KEY_TYPES.includes(key.type);
  const isInteger = INTEGER_KEY_TYPES.includes(key.type);
  if (!isTime && !isInteger) {
    return fail('POLICY_UNSUPPORTED_KEY', `a maintenance policy needs a date, timestamp or integer key; this key is ${key.type}`, 'declare the partitions instead, or key the table on a time or integer column');
  }
  const premake = input.premake ?? DEFAULT_PREMAKE;
  if (typeof premake !== 'number' || !Number.isSafeInteger(premake) || premake < 0 || premake > 10_000) {
    fail('POLICY_PREMAKE_INVALID', `premake ${String(premake)} must be a whole number from 0 to 10000`, 'premake counts partitions made ahead of the current one, e.g. premake: 4');
  }
  const tablespace = input.tablespace;
  if (tablespace !== undefined) {
    const problem = identifierProblem(tablespace);
    if (problem) fail('POLICY_INVALID', `maintenance tablespace ${JSON.stringify(tablespace)} ${problem}`, "write tablespace: 'fast' (a tablespace that exists)");
  }
  const ts = tablespace === undefined ? {} : { tablespace };
  const retention = input.retention;
  if (retention !== undefined && (typeof retention !== 'object' || retention === null || !('keep' in retention))) {
    fail('POLICY_INVALID', 'retention must be an object with keep', "write retention: { keep: '12 months', action: 'detach' }");
  }

  if (isTime) {
    const interval = parseTimeInterval(input.interval);
    if (typeof interval === 'string') return fail('POLICY_INTERVAL_INVALID', `interval: ${interval}`);
    if (key.type === 'date' && interval.unit === 'hour') {
      fail('POLICY_INTERVAL_INVALID', `interval ${formatInterval(interval)} is finer than a day, but the key is a date`, "use '1 day' or more, or key on a timestamp");
    }
    if (!retention) return { kind: 'time', interval, premake, ...ts };
    const keep = parseTimeInterval(retention.keep);
    if (typeof keep === 'string') return fail('POLICY_INTERVAL_INVALID', `retention keep: ${keep}`);
    if (shorter(keep, interval)) {
      fail('POLICY_RETENTION_TOO_SHORT', `retention keeps ${formatInterval(keep)}, less than one partition interval (${formatInterval(interval)})`, `keep at least ${formatInterval(interval)}`);
    }
    return { kind: 'time', interval, premake, ...ts, retention: { keep, action: resolveAction(retention.action, fail) } };
  }

  const interval = positiveInteger(input.interval);
  if (interval === undefined) {
    return fail('POLICY_INTERVAL_INVALID', `interval ${String(input.interval)} must be a positive whole number for the ${key.type} key`, 'e.g. interval: 1_000_000 (key values per partition)');
  }
  if (!retention) return { kind: 'integer', interval, premake, ...ts };
  const keep = positiveInteger(retention.keep);
  if (keep === undefined) return fail('POLICY_INTERVAL_INVALID', `retention keep ${String(retention.keep)} must be a positive whole number of key values`);
  if (keep < interval) fail('POLICY_RETENTION_TOO_SHORT', `retention keeps ${keep} key values, less than one partition interval (${interval})`, `keep at least ${interval}`);
  return { kind: 'integer', interval, premake, ...ts, retention: { keep, action: resolveAction(retention.action, fail) } };
}

/** Whether `a` is surely shorter than `b` (months taken at their longest for `a`). */
function shorter(a: TimeInterval, b: TimeInterval): boolean {
  const [ma, mb] = [calendarMonths(a), calendarMonths(b)];
  if (ma !== undefined && mb !== undefined) return ma < mb;
  return intervalHours(a)[1] < intervalHours(b)[0];
}
