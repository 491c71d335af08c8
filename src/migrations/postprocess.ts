/**
 * The migration post-processor: after `drizzle-kit generate`, it turns the new
 * migrations' `CREATE TABLE`s of partitioned tables into partitioned DDL, adds
 * partition changes of existing tables, writes a migration of its own when only
 * partitioning changed, and records the partitioning state beside each migration.
 *
 * The rule for rewriting: a migration is rewritten once, when it has no state
 * file yet, and never again. Never rewritten at all: migrations marked
 * `-- drizzle-partitions: frozen` (their state is recorded as if they held the
 * DDL) and custom migrations, which change nothing in drizzle's schema (their
 * state is the previous one; partition changes then get a migration of their own).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { RenderOptions } from '../ddl/partition-ddl.js';
import type { Partitioning } from '../schema/resolved.js';
import { diffMigration, type CurrentTable } from './diff.js';
import type { FileWrite, MigrationsLayout } from './layout.js';
import { PostprocessError } from '../errors.js';
import { planNotValid } from './not-valid.js';
import { editMigration, fileTables, isFrozen, isProcessed, noTransactionMigration, type FileTables } from './sql-file.js';
import { migrationState, parseState, sameState, serializeState, stateObjects, tableKey, tableState, type MigrationState, type PlainConversionState, type TableState } from './state.js';
import { diffObjects, NO_OBJECTS, objectsState, type ObjectsState } from './declared-objects.js';
import type { PgCollation } from '../schema/collation.js';
import type { PgExtension } from '../schema/extension.js';

/**
 * What happened to one migration.
 *
 * @example
 * ```ts
 * const report: MigrationReport[] = (await postprocess()).report;
 * for (const m of report) console.log(m.id, m.action, m.notes.join('; '));
 * ```
 */
export interface MigrationReport {
  id: string;
  /** rewritten: SQL changed; recorded: only state written; frozen: left alone; created: a new migration. */
  action: 'rewritten' | 'recorded' | 'frozen' | 'created';
  notes: string[];
}

/** What the post-processor will do: the files to write and a report. */
export interface PostprocessPlan {
  writes: FileWrite[];
  report: MigrationReport[];
  warnings: string[];
}

export interface PlanInput {
  layout: MigrationsLayout;
  /** The schema's partitioned tables. */
  tables: readonly Partitioning[];
  /** The schema's declared extensions (`pgExtension()`). */
  extensions?: readonly PgExtension[];
  /** The schema's declared collations (`pgCollation()`). */
  collations?: readonly PgCollation[];
  /** drizzle's `casing` and friends, as in the drizzle config. */
  render?: RenderOptions;
  /** `schema.index` keys of the schema's `.concurrently()` indexes (recorded in the state). */
  concurrentIndexes?: readonly string[];
  /** drizzle-kit's `breakpoints` setting (default true). */
  breakpoints?: boolean;
  /** Name of a migration written for partition-only changes (default `partitions`). */
  name?: string;
  now?: Date;
  /** Constraints marked with notValid(), by table (`schema.name`): see not-valid.ts. */
  notValid?: ReadonlyMap<string, ReadonlySet<string>>;
}

const EMPTY_FILE: FileTables = fileTables('');

function readState(path: string): MigrationState {
  const parsed = parseState(readFileSync(path, 'utf8'));
  if (typeof parsed === 'string') throw new PostprocessError('STATE_MALFORMED', path, parsed, 'restore it from version control');
  return parsed;
}

function toMap<T extends { schema: string | null; name: string }>(tables: readonly T[]): Map<string, T> {
  return new Map(tables.map((t) => [tableKey(t), t]));
}

/**
 * Plans the post-processing of a migrations folder; writes nothing.
 *
 * @example
 * ```ts
 * const plan = planPostprocess({ layout: openJournalLayout('drizzle', { prefix: 'index', breakpoints: true }), tables: [getPartitioning(events)!] });
 * commitWrites(plan.writes);
 * ```
 */
export function planPostprocess(input: PlanInput): PostprocessPlan {
  const { layout } = input;
  const render = input.render ?? {};
  const breakpoints = input.breakpoints ?? true;
  const current = new Map<string, CurrentTable>(input.tables.map((p) => [tableKey(p.table), { partitioning: p, state: tableState(p, render) }]));
  const writes: FileWrite[] = [];
  const report: MigrationReport[] = [];
  const warnings: string[] = [];

  const wantedObjects = objectsState(input.extensions ?? [], input.collations ?? []);

  const migrations = layout.migrations;
  if (migrations.length === 0) {
    if (current.size === 0 && wantedObjects.extensions.length + wantedObjects.collations.length === 0) return { writes, report, warnings };
    throw new PostprocessError('NO_MIGRATIONS', layout.outDir, 'holds no migration yet', 'run drizzle-kit generate (or drizzle-partitions generate) first');
  }
  let last = -1;
  for (let i = migrations.length - 1; i >= 0; i--) {
    if (existsSync(migrations[i]!.statePath)) {
      last = i;
      break;
    }
  }
  const lastState = last >= 0 ? readState(migrations[last]!.statePath) : undefined;
  let state = toMap(lastState?.tables ?? []);
  let plain: Map<string, PlainConversionState> = toMap(lastState?.plainConversions ?? []);
  let objects: ObjectsState = lastState ? stateObjects(lastState) : NO_OBJECTS;
  // which indexes were declared .concurrently() before the next migration
  let concurrentBefore = new Set(lastState?.concurrentIndexes ?? []);
  const recorded = (tables: Iterable<TableState>, objs: ObjectsState, plainTables: ReadonlyMap<string, PlainConversionState> = plain) =>
    serializeState(migrationState(tables, objs, { concurrentIndexes: input.concurrentIndexes, plainConversions: plainTables.values() }));
  // a table converted online: the migration holds a comment, the developer runs the conversion
  const converting = (sentences: readonly string[]) => warnings.push(...sentences);

  const deferred: string[] = [];
  const validations: string[] = [];
  const count = migrations.length; // planning a new migration adds to the layout's list
  for (let i = last + 1; i < count; i++) {
    const m = migrations[i]!;
    if (!existsSync(m.sqlPath)) throw new PostprocessError('MIGRATION_FILE_MISSING', m.sqlPath, `migration ${m.id} has no SQL file`);
    const text = readFileSync(m.sqlPath, 'utf8');
    if (layout.isCustom(i) && !isProcessed(text)) {
      // drizzle's schema did not change: a custom migration, the user's to write.
      report.push({ id: m.id, action: 'recorded', notes: ['custom migration: left as written'] });
      writes.push({ path: m.statePath, content: recorded(state.values(), objects) });
      continue;
    }
    const frozen = isFrozen(text);
    const recordOnly = frozen || isProcessed(text);
    const file = fileTables(text);
    const diff = diffMigration({ migration: m.id, prev: state, prevPlain: plain, current, file, tablesBefore: layout.tablesBefore(i), opts: render, recordOnly, concurrentBefore });
    if (!recordOnly) {
      const nv = planNotValid({ migration: m.id, file, marked: input.notValid ?? new Map(), isPartitioned: (key) => current.has(key) || state.has(key) });
      diff.replacements.push(...nv.replacements);
      diff.notes.push(...nv.notes);
      validations.push(...nv.validations);
      warnings.push(...nv.warnings);
    }
    // extensions and collations: created before drizzle-kit's statements, dropped after them
    const own = diffObjects(m.id, objects, wantedObjects);
    const notes = [...own.notes, ...diff.notes];
    const leading = recordOnly ? [] : own.leading;
    const trailing = recordOnly ? diff.trailing : [...diff.trailing, ...own.trailing, ...diff.conversions];
    converting(diff.conversionSentences);
    if (frozen) {
      if (notes.length > 0) warnings.push(`${m.id} is frozen and was not rewritten; its state assumes it already does: ${notes.join('; ')}`);
      report.push({ id: m.id, action: 'frozen', notes });
    } else if (diff.edits.length > 0 || trailing.length > 0 || diff.replacements.length > 0 || leading.length > 0) {
      writes.push({ path: m.sqlPath, content: editMigration(text, diff.edits, trailing, breakpoints, [...diff.guards, ...leading], diff.replacements) });
      report.push({ id: m.id, action: 'rewritten', notes });
    } else {
      report.push({ id: m.id, action: 'recorded', notes });
    }
    state = diff.next;
    plain = diff.nextPlain;
    objects = wantedObjects;
    concurrentBefore = new Set(input.concurrentIndexes ?? []);
    deferred.push(...diff.deferred);
    writes.push({ path: m.statePath, content: recorded(state.values(), objects) });
  }

  // Concurrent indexes and validations of NOT VALID constraints on existing tables: a
  // migration of their own, run outside a transaction. Its files are written first: cut
  // short after them, a rerun writes the statements (IF NOT EXISTS) once more, never
  // loses them.
  if (deferred.length + validations.length > 0) {
    const sql = noTransactionMigration([...deferred, ...validations], breakpoints);
    const name = deferred.length > 0 ? (input.name ? `${input.name}_concurrently` : 'concurrent_indexes') : input.name ? `${input.name}_validate` : 'validate_constraints';
    const { migration, writes: files } = layout.planNewMigration(name, sql, input.now ?? new Date());
    writes.unshift(...files, { path: migration.statePath, content: recorded(state.values(), objects) });
    report.push({ id: migration.id, action: 'created', notes: [...deferred, ...validations].map((d) => `outside a transaction: ${d}`) });
  }

  // Partitioning, extensions or collations changed without any other schema change:
  // drizzle-kit wrote no migration ("No schema changes"), so write one.
  const wanted = migrationState([...current.values()].map((c) => c.state), wantedObjects);
  if (!sameState(migrationState(state.values(), objects), wanted)) {
    const lastId = migrations[migrations.length - 1]!.id;
    const at = `(new migration after ${lastId})`;
    const name = input.name ?? 'partitions';
    // the id drizzle-kit's layout gives the migration is known once it is planned: the
    // diff runs again under that id, so a conversion records the migration that holds it
    const tablesBefore = layout.tablesBefore(migrations.length);
    const diffAs = (id: string) => diffMigration({ migration: id, prev: state, prevPlain: plain, current, file: EMPTY_FILE, tablesBefore, opts: render });
    const diff = diffAs(at);
    const own = diffObjects(at, objects, wantedObjects);
    const statements = [...own.leading, ...diff.trailing, ...own.trailing, ...diff.conversions];
    if (statements.length > 0) {
      const sql = editMigration('', [], [...diff.guards, ...statements], breakpoints);
      const { migration, writes: files } = layout.planNewMigration(name, sql, input.now ?? new Date(), { before: state, after: diff.next });
      const named = diff.conversions.length > 0 ? diffAs(migration.id) : diff;
      converting(named.conversionSentences);
      writes.push(...files, { path: migration.statePath, content: recorded(named.next.values(), wantedObjects, named.nextPlain) });
      report.push({ id: migration.id, action: 'created', notes: [...own.notes, ...diff.notes] });
    }
  }
  return { writes, report, warnings };
}

