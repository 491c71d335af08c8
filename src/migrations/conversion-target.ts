/**
 * What the migrations recorded for a table converted online: for `drizzle-partitions
 * convert`. A table made partitioned is recorded with its declared partitions as of
 * the migration that holds the conversion; the migrations after it that change those
 * partitions start with a guard and apply on top of the converted table. So the
 * converter builds the partitions of that migration's state, not the schema's latest
 * ones: otherwise a later `CREATE TABLE ... PARTITION OF` would meet a partition that
 * already exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { PostprocessError } from '../errors.js';
import type { MigrationsLayout } from './layout.js';
import { parseState, tableKey, type ConversionState, type MigrationState, type TableState } from './state.js';

/**
 * A conversion the latest state records: its direction, the migration that holds it,
 * and (to partitioned) the table as that migration recorded it.
 *
 * @example
 * ```ts
 * const t: ConversionTarget = conversionTarget(layout, 'public.events')!;
 * t.table?.partitions.map((p) => p.name); // ['events_p20260101', 'events_default']
 * ```
 */
export interface ConversionTarget extends ConversionState {
  table?: TableState;
}

function readState(path: string): MigrationState {
  const parsed = parseState(readFileSync(path, 'utf8'));
  if (typeof parsed === 'string') throw new PostprocessError('STATE_MALFORMED', path, parsed, 'restore it from version control');
  return parsed;
}

/**
 * The conversion the latest partitioning state records for table `key`
 * (`schema.name`), or undefined when it records none.
 *
 * @example
 * ```ts
 * const target = conversionTarget(openLayout('drizzle', { prefix: 'index', breakpoints: true }), 'public.events');
 * if (target?.direction === 'to-partitioned') console.log(target.table!.partitionBy); // 'PARTITION BY RANGE ("at")'
 * ```
 */
export function conversionTarget(layout: MigrationsLayout, key: string): ConversionTarget | undefined {
  const latest = [...layout.migrations].reverse().find((m) => existsSync(m.statePath));
  if (!latest) return undefined;
  const state = readState(latest.statePath);
  const plain = state.plainConversions?.find((t) => tableKey(t) === key);
  if (plain) return { ...plain.conversion };
  const recorded = state.tables.find((t) => tableKey(t) === key)?.conversion;
  if (!recorded) return undefined;
  const at = layout.migrations.find((m) => m.id === recorded.migration);
  if (!at || !existsSync(at.statePath)) {
    throw new PostprocessError('STATE_MALFORMED', latest.statePath, `records table ${key} converted by migration ${recorded.migration}, which has no partitioning state here`, 'restore the migrations folder from version control');
  }
  const table = readState(at.statePath).tables.find((t) => tableKey(t) === key);
  if (!table) throw new PostprocessError('STATE_MALFORMED', at.statePath, `does not record table ${key}, which a later state says this migration converted`, 'restore the migrations folder from version control');
  return { ...recorded, table };
}
