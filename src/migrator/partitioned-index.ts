/**
 * `CREATE INDEX CONCURRENTLY` on a partitioned table, which PostgreSQL refuses
 * ("cannot create index on partitioned table concurrently", 13 to 18), done the way
 * PostgreSQL's documentation says: the index `ON ONLY` the parent (created invalid,
 * nothing built), then on each partition an index built `CONCURRENTLY` (a
 * sub-partitioned partition gets the same treatment, recursively), each attached
 * with `ALTER INDEX ... ATTACH PARTITION`; once every partition's index is attached
 * the parent's is valid. The partitions are read from the catalog when the statement
 * runs, so partitions made since the migration was written are covered.
 *
 * Every step looks before it acts, so a run stopped anywhere (killed, a failed build)
 * is finished by the next: an index already attached is left alone, an index a
 * failed build left invalid is dropped (concurrently) and built again.
 */
import { MigratorError } from '../errors.js';
import type { Executor } from '../runtime/executor.js';
import { indexState, partitionsWithIndex } from '../runtime/introspect.js';
import { withLockRetry, type LockOptions } from '../runtime/lock.js';
import { hashedName } from '../runtime/partition-names.js';
import { identifierBytes, MAX_IDENTIFIER_BYTES, quoteIdent, quoteQualified } from '../sql/quote.js';

type Name = { schema: string; name: string };

/** What a step of a statement needs: the connection, lock behaviour, and where to say what it does. */
export interface StepContext {
  ex: Executor;
  lock: LockOptions;
  /** The migration, for messages. */
  migration: string;
  /** Reports one step of the statement. */
  note(message: string): void;
}

/** The index to build: `CREATE [UNIQUE] INDEX <index> ON <table> <rest>`. */
export interface PartitionedIndex {
  table: Name;
  index: string;
  unique: boolean;
  /** The statement after the table name: `USING btree ("at") WHERE ...`. */
  rest: string;
}

const label = (n: Name) => `${n.schema}.${n.name}`;
const same = (a: Name, b: Name) => a.schema === b.schema && a.name === b.name;

/**
 * Builds `spec` on a partitioned table without blocking writes for longer than the
 * short steps that create the parent's index and attach each partition's (each
 * under lock_timeout, retried with backoff).
 *
 * @throws {MigratorError} `INDEX_NAME_TAKEN` when the index name belongs to another relation.
 *
 * @example
 * ```ts
 * await buildPartitionedIndex(ctx, { table: { schema: 'public', name: 'events' }, index: 'events_at_idx', unique: false, rest: ' USING btree ("at");' });
 * ```
 */
export async function buildPartitionedIndex(ctx: StepContext, spec: PartitionedIndex): Promise<void> {
  const parent = { schema: spec.table.schema, name: spec.index };
  const st = await indexState(ctx.ex, parent);
  if (st && st !== 'not-an-index' && same(st.table, spec.table) && st.valid) {
    ctx.note(`${spec.index}: already built and valid on every partition, skipped`);
    return;
  }
  await ensureParentIndex(ctx, spec.table, parent, spec);
  await complete(ctx, spec.table, parent, spec);
  ctx.note(`${spec.index}: valid, attached on every partition of ${label(spec.table)}`);
}

/** The index ON ONLY `table` (invalid until its partitions' indexes are attached). */
async function ensureParentIndex(ctx: StepContext, table: Name, index: Name, spec: PartitionedIndex): Promise<void> {
  const st = await indexState(ctx.ex, index);
  if (st === 'not-an-index' || (st && !same(st.table, table))) {
    throw new MigratorError('INDEX_NAME_TAKEN', `${ctx.migration}: index name "${label(index)}" belongs to ${st === 'not-an-index' ? 'a relation that is not an index' : `an index of ${label(st.table)}`}`, 'rename the index in the schema, or drop the other relation', { migration: ctx.migration });
  }
  if (st) return;
  await withLockRetry(ctx.ex, { what: `create index ${label(index)} on only ${label(table)}`, relation: table, transactional: false }, ctx.lock, (ex) =>
    ex.query(`CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdent(index.name)} ON ONLY ${quoteQualified(table)}${spec.rest}`),
  );
  ctx.note(`${index.name}: created ON ONLY ${label(table)} (invalid until every partition's index is attached)`);
}

/** Gives every partition of `table` its index attached to `index`, until `index` is valid. */
async function complete(ctx: StepContext, table: Name, index: Name, spec: PartitionedIndex): Promise<void> {
  for (let round = 1; ; round++) {
    const st = await indexState(ctx.ex, index);
    if (st && st !== 'not-an-index' && st.valid) return;
    const partitions = await partitionsWithIndex(ctx.ex, table, index);
    const missing = partitions.filter((p) => !p.index?.valid);
    if (missing.length === 0 && round > 1) {
      // PostgreSQL marks the index valid when the last partition's index is attached:
      // every one is, and it is not (a partition detached meanwhile). Attaching one again re-checks.
      if (round > 3) throw new Error(`index ${label(index)} stays invalid although every partition of ${label(table)} has its index attached`);
      const first = partitions[0];
      if (first?.index) await attach(ctx, index, first.index, first);
      continue;
    }
    for (const p of missing) {
      const partition = { schema: p.schema, name: p.name };
      if (p.partitioned) {
        const child = p.index ?? (await childIndexName(ctx, partition, index));
        if (!p.index) await ensureParentIndex(ctx, partition, child, spec);
        await complete(ctx, partition, child, spec);
        if (!p.index) await attach(ctx, index, child, partition);
        continue;
      }
      const child = await childIndexName(ctx, partition, index);
      const found = await indexState(ctx.ex, child);
      if (found && found !== 'not-an-index' && !found.valid) {
        ctx.note(`${child.name}: left invalid by an earlier build; dropped concurrently to build again`);
        await ctx.ex.query(`DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified(child)}`);
      }
      if (!found || found === 'not-an-index' || !found.valid) {
        await ctx.ex.query(`CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(child.name)} ON ${quoteQualified(partition)}${spec.rest}`);
        ctx.note(`${child.name}: built concurrently on ${label(partition)}`);
      }
      await attach(ctx, index, child, partition);
    }
  }
}

async function attach(ctx: StepContext, parent: Name, child: Name, partition: Name): Promise<void> {
  // ACCESS EXCLUSIVE on the partition's index (writes to that partition wait), SHARE UPDATE EXCLUSIVE on the parent's
  await withLockRetry(ctx.ex, { what: `attach index ${label(child)} to ${label(parent)}`, relation: partition, transactional: false }, ctx.lock, (ex) =>
    ex.query(`ALTER INDEX ${quoteQualified(parent)} ATTACH PARTITION ${quoteQualified(child)}`),
  );
  ctx.note(`${child.name}: attached to ${parent.name}`);
}

/**
 * The name of `partition`'s index under `parent`: `<partition>_<parent index>`, or,
 * when that is longer than 63 bytes or another relation has it, that name cut short
 * with a hash (the same from run to run, so a rerun finds what an earlier run built).
 */
async function childIndexName(ctx: StepContext, partition: Name, parent: Name): Promise<Name> {
  const base = `${partition.name}_${parent.name}`;
  const candidates = [...(identifierBytes(base) <= MAX_IDENTIFIER_BYTES ? [base] : []), hashedName(base, `${label(partition)}/${label(parent)}`)];
  for (const name of candidates) {
    const st = await indexState(ctx.ex, { schema: partition.schema, name });
    if (st === undefined || (st !== 'not-an-index' && same(st.table, partition) && (st.attachedTo === undefined || same(st.attachedTo, parent)))) {
      return { schema: partition.schema, name };
    }
  }
  throw new MigratorError('INDEX_NAME_TAKEN', `${ctx.migration}: the names for the index of partition ${label(partition)} (${candidates.join(', ')}) belong to other relations`, 'rename those relations, or the index in the schema', { migration: ctx.migration });
}
