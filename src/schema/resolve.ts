/**
 * Checks a partitioning definition against its table and resolves it. Every
 * mistake PostgreSQL would refuse later (and a few it would accept and regret) is
 * a {@link PartitionDefinitionError} here, naming the table, column and partition.
 */
import { is, SQL } from 'drizzle-orm';
import { PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { PartitionDefinitionError, type DefinitionErrorCode } from '../errors.js';
import { identifierBytes, identifierProblem, MAX_IDENTIFIER_BYTES, qualifiedLabel } from '../sql/quote.js';
import {
  compareTuple,
  displayTuple,
  isBoundProblem,
  partitionName,
  normalizeBound,
  rangesOverlap,
  sameBound,
  type BoundValue,
} from '../bound/values.js';
import { enumLabelsOf, keyTypeOfColumn } from '../bound/key-type.js';
import type { DeclaredPartition, PartitionBound, PartitionKey, PartitionLevel, Partitioning } from './resolved.js';
import { isKeyExpression, isPartitionSpec, type AnyPartitionSpec, type PartitionCommon } from './spec.js';
import { resolvePolicy } from './resolve-policy.js';
import { familyTarget } from './family-target.js';
import { expressionProblem } from '../sql/expression.js';

/** Where we are in a definition, for error messages. */
interface LevelContext {
  table: PgTable;
  /** `schema.name` of the table, for messages. */
  tableLabel: string;
  /** Name new partitions are prefixed with: the table's, or the parent partition's. */
  prefix: string;
  /** Label of the partition this level belongs to (sub-partitioning), for messages. */
  under?: string | undefined;
}

function fail(code: DefinitionErrorCode, ctx: LevelContext, message: string, hint?: string, extra: { column?: string; partition?: string } = {}): never {
  throw new PartitionDefinitionError(code, { table: ctx.tableLabel, column: extra.column, partition: extra.partition, under: ctx.under }, message, hint);
}

/** `public.events` style label of a drizzle table. */
export function tableLabel(table: PgTable): string {
  return qualifiedLabel(tableIdentity(table));
}

/** A drizzle table's schema (undefined for the default) and name. */
export function tableIdentity(table: PgTable): { schema: string | undefined; name: string } {
  const t = table as unknown as Record<symbol, string | undefined>;
  return { schema: t[Symbol.for('drizzle:Schema')], name: t[Symbol.for('drizzle:Name')]! };
}

function resolveKeys(spec: AnyPartitionSpec, ctx: LevelContext): PartitionKey[] {
  if (!Array.isArray(spec.keys) || spec.keys.length === 0) {
    fail('KEY_EMPTY', ctx, `the ${spec.method.toUpperCase()} partition key is empty`, `pass at least one column, e.g. ${spec.method}(t.createdAt, { ... })`);
  }
  const seen = new Set<string>();
  const keys: PartitionKey[] = [];
  spec.keys.forEach((k, i) => {
    if (is(k, PgColumn)) {
      if (k.table !== ctx.table) {
        const other = tableLabel(k.table as PgTable);
        fail('KEY_COLUMN_NOT_IN_TABLE', ctx, `key column "${k.name}" belongs to table "${other}", not to this table`, `use a column of this table (the callback's argument), e.g. (t) => ${spec.method}(t.${k.name}, ...)`, { column: k.name });
      }
      if (seen.has(k.name)) fail('KEY_DUPLICATE_COLUMN', ctx, `column "${k.name}" appears twice in the partition key`, 'list each key column once', { column: k.name });
      seen.add(k.name);
      keys.push({ kind: 'column', column: k, name: k.name, type: keyTypeOfColumn(k), enumLabels: enumLabelsOf(k) });
    } else if (isKeyExpression(k) || is(k, SQL)) {
      const sqlExpr = isKeyExpression(k) ? k.sql : (k as SQL);
      const problem = expressionProblem(sqlExpr, (col) => col.table === ctx.table);
      if (typeof problem === 'string') fail('KEY_EXPRESSION_UNSUPPORTED', ctx, `key expression #${i + 1} ${problem}`, 'write the expression with sql`` using this table\'s columns, literals and sql.raw()');
      keys.push(isKeyExpression(k) ? { kind: 'expression', sql: k.sql, type: k.type, enumLabels: k.enumLabels } : { kind: 'expression', sql: sqlExpr, type: 'other' });
    } else {
      fail('KEY_EXPRESSION_UNSUPPORTED', ctx, `key element #${i + 1} is neither a column of the table nor an sql\`\` expression`, 'pass t.column, sql`...` or expression(sql`...`, type)');
    }
  });
  if (spec.method === 'list' && keys.length > 1) {
    fail('LIST_KEY_MULTIPLE_COLUMNS', ctx, `LIST partitioning takes exactly one key column or expression, got ${keys.length}`, 'use RANGE for several columns, or sub-partition by the second column');
  }
  return keys;
}

function keyLabel(key: PartitionKey, i: number): string {
  return key.kind === 'column' ? key.name : `expression #${i + 1}`;
}

function bound(value: unknown, key: PartitionKey, keyIndex: number, ctx: LevelContext, entry: string): BoundValue {
  const v = normalizeBound(value, key.type, key.enumLabels);
  if (isBoundProblem(v)) {
    const col = keyLabel(key, keyIndex);
    fail(v.problem === 'type' ? 'BOUND_TYPE_MISMATCH' : 'BOUND_INVALID_VALUE', ctx, `bound for key ${key.kind === 'column' ? `column "${col}"` : col} (${key.type}): ${v.message}`, undefined, { column: key.kind === 'column' ? col : undefined, partition: entry });
  }
  return v;
}

function asTuple(value: unknown, arity: number, ctx: LevelContext, entry: string, which: 'from' | 'to'): unknown[] {
  const tuple = Array.isArray(value) ? value : [value];
  if (tuple.length !== arity) {
    fail('BOUND_ARITY', ctx, `"${which}" has ${tuple.length} value(s) but the key has ${arity} column(s)`, `give one value per key column: ${which}: [${Array.from({ length: arity }, (_, i) => `v${i + 1}`).join(', ')}]`, { partition: entry });
  }
  return tuple;
}

function rangeTuple(value: unknown, keys: readonly PartitionKey[], ctx: LevelContext, entry: string, which: 'from' | 'to'): BoundValue[] {
  const values = asTuple(value, keys.length, ctx, entry, which).map((v, i) => bound(v, keys[i]!, i, ctx, entry));
  values.forEach((v, i) => {
    if (v.kind === 'null') fail('BOUND_NULL_IN_RANGE', ctx, `"${which}" of a RANGE partition cannot be null`, 'use MINVALUE / MAXVALUE for an open end; rows with a NULL key go to the default partition', { partition: entry });
    const prev = values[i - 1];
    if (prev && (prev.kind === 'minvalue' || prev.kind === 'maxvalue') && v.kind !== prev.kind) {
      fail('RANGE_MINMAX_ORDER', ctx, `in "${which}", every value after ${prev.kind.toUpperCase()} must also be ${prev.kind.toUpperCase()}`, `write ${which}: [..., ${prev.kind.toUpperCase()}, ${prev.kind.toUpperCase()}]`, { partition: entry });
    }
  });
  return values;
}

function entryLabel(p: PartitionCommon | undefined, i: number): string {
  return p && typeof p.name === 'string' ? p.name : `partitions[${i}]`;
}

function isDefaultEntry(p: unknown): boolean {
  return typeof p === 'object' && p !== null && (p as { default?: unknown }).default === true;
}

const ENTRY_SHAPE: Record<string, string> = {
  range: '{ from, to }',
  list: '{ values: [...] }',
  hash: '{ modulus, remainder }',
};

function checkEntryShape(method: string, p: unknown, ctx: LevelContext, entry: string): asserts p is Record<string, unknown> {
  if (typeof p !== 'object' || p === null) fail('PARTITION_ENTRY_INVALID', ctx, `partition entry is not an object`, `write ${ENTRY_SHAPE[method]}`, { partition: entry });
  const o = p as Record<string, unknown>;
  if (isDefaultEntry(o)) return;
  const wrong = method === 'range' ? !('from' in o && 'to' in o) : method === 'list' ? !('values' in o) : !('modulus' in o && 'remainder' in o);
  const foreign = ['from', 'to', 'values', 'modulus', 'remainder'].filter((k) => k in o && !ENTRY_SHAPE[method]!.includes(k));
  if (wrong || foreign.length > 0) {
    fail('PARTITION_ENTRY_INVALID', ctx, `a ${method.toUpperCase()} partition is written ${ENTRY_SHAPE[method]}${foreign.length ? `; "${foreign.join('", "')}" belongs to another method` : ''}`, undefined, { partition: entry });
  }
}

function resolveBounds(spec: AnyPartitionSpec, keys: readonly PartitionKey[], ctx: LevelContext): { entries: { def: PartitionCommon; bound: PartitionBound; label: string }[]; defaults: { def: PartitionCommon; label: string }[] } {
  const options = (spec.options ?? {}) as { partitions?: unknown; default?: unknown };
  const entries: { def: PartitionCommon; bound: PartitionBound; label: string }[] = [];
  const defaults: { def: PartitionCommon; label: string }[] = [];

  if (spec.method === 'hash') {
    const parts = options.partitions;
    if (typeof parts === 'number') {
      if (!Number.isSafeInteger(parts) || parts < 1) fail('HASH_PARTITIONS_INVALID', ctx, `partitions: ${parts} is not a positive whole number`, 'write partitions: N with N >= 1 (e.g. 8)');
      for (let r = 0; r < parts; r++) entries.push({ def: {}, bound: { kind: 'hash', modulus: parts, remainder: r }, label: `remainder ${r} of ${parts}` });
    } else if (Array.isArray(parts)) {
      if (parts.length === 0) fail('HASH_PARTITIONS_INVALID', ctx, 'a HASH table needs partitions: every row must have one to go to', 'write partitions: N, or list { modulus, remainder } entries covering every remainder');
      parts.forEach((p, i) => {
        const label = entryLabel(p, i);
        if (isDefaultEntry(p)) fail('DEFAULT_ON_HASH', ctx, 'a HASH-partitioned table cannot have a default partition', 'remove the { default: true } entry; cover every remainder instead', { partition: label });
        checkEntryShape('hash', p, ctx, label);
        const { modulus, remainder } = p as { modulus: unknown; remainder: unknown };
        if (typeof modulus !== 'number' || !Number.isSafeInteger(modulus) || modulus < 1) fail('HASH_MODULUS_INVALID', ctx, `modulus ${String(modulus)} is not a positive whole number`, undefined, { partition: label });
        if (typeof remainder !== 'number' || !Number.isSafeInteger(remainder) || remainder < 0 || remainder >= modulus) {
          fail('HASH_REMAINDER_OUT_OF_RANGE', ctx, `remainder ${String(remainder)} must be a whole number from 0 to ${modulus - 1} (modulus ${modulus})`, undefined, { partition: label });
        }
        entries.push({ def: p as PartitionCommon, bound: { kind: 'hash', modulus, remainder }, label });
      });
    } else {
      fail('HASH_PARTITIONS_INVALID', ctx, 'HASH partitioning needs partitions: N or a list of { modulus, remainder }', 'e.g. hash(t.id, { partitions: 8 })');
    }
    if (options.default !== undefined && options.default !== false) fail('DEFAULT_ON_HASH', ctx, 'a HASH-partitioned table cannot have a default partition', 'remove the default option');
    checkHashSet(entries, ctx);
    return { entries, defaults };
  }

  const parts = options.partitions ?? [];
  if (!Array.isArray(parts)) fail('PARTITION_ENTRY_INVALID', ctx, '"partitions" must be an array', `write partitions: [${ENTRY_SHAPE[spec.method]}, ...]`);
  parts.forEach((p, i) => {
    const label = entryLabel(p, i);
    checkEntryShape(spec.method, p, ctx, label);
    if (isDefaultEntry(p)) {
      defaults.push({ def: p as PartitionCommon, label });
      return;
    }
    if (spec.method === 'range') {
      const from = rangeTuple(p.from, keys, ctx, label, 'from');
      const to = rangeTuple(p.to, keys, ctx, label, 'to');
      const c = compareTuple(from, to);
      if (c !== undefined && c >= 0) fail('RANGE_EMPTY', ctx, `"from" (${displayTuple(from)}) is not below "to" (${displayTuple(to)}); the range is empty`, '"to" is exclusive and must be greater than "from"', { partition: label });
      entries.push({ def: p as PartitionCommon, bound: { kind: 'range', from, to }, label });
    } else {
      const raw = p.values;
      if (!Array.isArray(raw) || raw.length === 0) fail('LIST_EMPTY', ctx, 'a LIST partition needs at least one value', 'write values: [v1, ...]; use null for rows whose key is NULL', { partition: label });
      const values = raw.map((v) => {
        const b = bound(v, keys[0]!, 0, ctx, label);
        if (b.kind === 'minvalue' || b.kind === 'maxvalue') fail('BOUND_MINMAX_OUTSIDE_RANGE', ctx, `${b.kind.toUpperCase()} only bounds RANGE partitions`, 'list concrete values (or null)', { partition: label });
        return b;
      });
      entries.push({ def: p as PartitionCommon, bound: { kind: 'list', values }, label });
    }
  });

  if (options.default !== undefined && typeof options.default !== 'boolean' && (typeof options.default !== 'object' || options.default === null)) {
    fail('SPEC_INVALID', ctx, `"default" must be true, false or { name?, tablespace? }`);
  }
  if (options.default === true || typeof options.default === 'object') {
    defaults.push({ def: (typeof options.default === 'object' ? options.default : {}) as PartitionCommon, label: 'default' });
  }
  if (options.default === false && defaults.length > 0) {
    fail('DEFAULT_DUPLICATE', ctx, `"default: false" turns the default partition off, yet "${defaults[0]!.label}" declares one`, 'remove one of the two');
  }
  if (defaults.length > 1) {
    fail('DEFAULT_DUPLICATE', ctx, `${defaults.length} default partitions are declared (${defaults.map((d) => d.label).join(', ')}); a table has at most one`, 'keep one: either a { default: true } entry or the default option');
  }
  // The default partition is on unless turned off, as django-postgres-extra does.
  if (defaults.length === 0 && options.default === undefined) defaults.push({ def: {}, label: 'default' });

  if (spec.method === 'range') checkRangeOverlaps(entries, ctx);
  else checkListDuplicates(entries, ctx);
  return { entries, defaults };
}


function checkRangeOverlaps(entries: { bound: PartitionBound; label: string }[], ctx: LevelContext): void {
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const a = entries[i]!.bound;
      const b = entries[j]!.bound;
      if (a.kind !== 'range' || b.kind !== 'range') continue;
      // an order the server decides (text under a collation) is left to the server
      if (rangesOverlap(a, b) === true) {
        fail('RANGE_OVERLAP', ctx, `partitions "${entries[i]!.label}" [${displayTuple(a.from)} .. ${displayTuple(a.to)}) and "${entries[j]!.label}" [${displayTuple(b.from)} .. ${displayTuple(b.to)}) overlap`, 'make each "from" equal to or above the previous partition\'s "to"', { partition: entries[j]!.label });
      }
    }
  }
}

function checkListDuplicates(entries: { bound: PartitionBound; label: string }[], ctx: LevelContext): void {
  const seen: { v: BoundValue; label: string }[] = [];
  for (const e of entries) {
    if (e.bound.kind !== 'list') continue;
    for (const v of e.bound.values) {
      const dup = seen.find((s) => sameBound(s.v, v));
      if (dup) {
        const shown = 'text' in v ? JSON.stringify(v.text) : v.kind.toUpperCase();
        fail('LIST_DUPLICATE_VALUE', ctx, `value ${shown} is listed in "${dup.label}"${dup.label === e.label ? ' twice' : ` and in "${e.label}"`}`, 'list each value in exactly one partition', { partition: e.label });
      }
      seen.push({ v, label: e.label });
    }
  }
}

function checkHashSet(entries: { bound: PartitionBound; label: string }[], ctx: LevelContext): void {
  const hs = entries.map((e) => ({ ...(e.bound as { modulus: number; remainder: number }), label: e.label }));
  const moduli = [...new Set(hs.map((h) => h.modulus))].sort((a, b) => a - b);
  for (let i = 1; i < moduli.length; i++) {
    if (moduli[i]! % moduli[i - 1]! !== 0) {
      fail('HASH_MODULUS_NOT_FACTOR', ctx, `modulus ${moduli[i - 1]} is not a factor of the next larger modulus ${moduli[i]}; PostgreSQL requires each modulus to divide the next`, 'use moduli such as 4, 8, 16');
    }
  }
  const max = moduli[moduli.length - 1] ?? 0;
  const owner = new Map<number, string>();
  for (const h of hs) {
    for (let r = h.remainder; r < max; r += h.modulus) {
      const prev = owner.get(r);
      if (prev !== undefined) {
        fail('HASH_DUPLICATE', ctx, `"${h.label}" (modulus ${h.modulus}, remainder ${h.remainder}) covers the same hash values as "${prev}"`, 'give each partition a distinct remainder', { partition: h.label });
      }
      owner.set(r, h.label);
    }
  }
  const missing: number[] = [];
  for (let r = 0; r < max; r++) if (!owner.has(r)) missing.push(r);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, … (${missing.length} in all)` : '');
    fail('HASH_MISSING_REMAINDERS', ctx, `no partition takes remainder(s) ${shown} of modulus ${max}: inserting such rows would fail`, `add { modulus: ${max}, remainder: ${missing[0]} } (and the others), or write partitions: ${max}`);
  }
}


function checkName(name: unknown, ctx: LevelContext, label: string, what: string, explicit: boolean): string {
  const problem = identifierProblem(name as string);
  if (problem) {
    const code = typeof name === 'string' && problem.includes('bytes') ? 'NAME_TOO_LONG' : 'NAME_INVALID';
    const hint = code === 'NAME_INVALID' ? 'use a non-empty string without NUL characters' : explicit ? 'choose a shorter name' : 'give the partition a shorter explicit name: { name: "..." }';
    fail(code, ctx, `${what} ${JSON.stringify(name)} ${problem}`, hint, { partition: label });
  }
  return name as string;
}

function resolveLevel(spec: unknown, ctx: LevelContext, names: Map<string, string>): PartitionLevel {
  if (!isPartitionSpec(spec)) {
    fail('SPEC_INVALID', ctx, 'the partitioning is not a range(), list() or hash() spec', "return one from the callback, e.g. (t) => range(t.createdAt, { ... })");
  }
  const keys = resolveKeys(spec, ctx);
  const { entries, defaults } = resolveBounds(spec, keys, ctx);
  const all = [...entries, ...defaults.map((d) => ({ ...d, bound: { kind: 'default' } as PartitionBound }))];
  const partitions: DeclaredPartition[] = all.map(({ def, bound, label }) => {
    const explicit = def.name !== undefined;
    const name = checkName(explicit ? def.name : partitionName(ctx.prefix, bound), ctx, label, explicit ? 'partition name' : 'generated partition name', explicit);
    const clash = names.get(name);
    if (clash !== undefined) {
      fail('NAME_COLLISION', ctx, `partition name "${name}" is also the name of ${clash}`, 'give one of them an explicit { name: "..." }', { partition: label });
    }
    names.set(name, `partition "${label}"`);
    if (def.tablespace !== undefined) checkName(def.tablespace, ctx, label, 'tablespace', true);
    const sub = def.partitionBy === undefined ? undefined : resolveLevel(def.partitionBy, { ...ctx, prefix: name, under: name }, names);
    return { name, bound, tablespace: def.tablespace, partitionBy: sub };
  });
  return { method: spec.method, keys, partitions };
}

/**
 * Checks `spec` against `table` and resolves it (names, bounds, policy). Throws a
 * {@link PartitionDefinitionError} on the first mistake.
 */
export function resolvePartitioning(table: PgTable, spec: unknown): Partitioning {
  const { schema, name } = tableIdentity(table);
  const ctx: LevelContext = { table, tableLabel: tableLabel(table), prefix: name };
  checkName(name, ctx, 'table', 'table name', true);
  const names = new Map<string, string>([[name, 'the partitioned table itself']]);
  const level = resolveLevel(spec, ctx, names);
  const options = (spec as AnyPartitionSpec).options ?? {};
  const policy = options.maintenance === undefined ? undefined : resolvePolicy(options.maintenance, level, (code, message, hint) => fail(code, ctx, message, hint));
  if (policy?.kind === 'time') {
    // The names maintenance gives its partitions: <table>_pYYYYMMDD, or _pYYYYMMDD_HHMM for hourly slots.
    const longest = `${name}_p${policy.interval.unit === 'hour' ? '20260101_0000' : '20260101'}`;
    if (identifierBytes(longest) > MAX_IDENTIFIER_BYTES) {
      fail('NAME_TOO_LONG', ctx, `maintenance names its partitions like "${longest}", ${identifierBytes(longest)} bytes, and PostgreSQL keeps 63`, `shorten the table name to at most ${MAX_IDENTIFIER_BYTES - (identifierBytes(longest) - identifierBytes(name))} bytes`);
    }
  }
  if (policy && options.maintenance?.partitionBy !== undefined) {
    // Checked now against a sample name; resolved again for each partition maintenance makes.
    const sample = `${name}_p${policy.kind === 'time' && policy.interval.unit === 'hour' ? '20260101_0000' : policy.kind === 'time' ? '20260101' : '1000000000'}`;
    const spec = options.maintenance.partitionBy;
    policy.partitionBy = { spec, sample: resolveLevel(spec, { ...ctx, prefix: sample, under: 'maintenance.partitionBy' }, new Map([[sample, 'the sample partition']])) };
  }
  if (policy && options.maintenance?.alignedWith !== undefined) policy.alignedWith = familyTarget(options.maintenance.alignedWith, (code, message, hint) => fail(code, ctx, message, hint));
  if (policy && options.maintenance?.partitionForeignKeys !== undefined) policy.partitionForeignKeys = options.maintenance.partitionForeignKeys;
  const onPartitionRemoved = options.onPartitionRemoved ?? 'detach';
  if (onPartitionRemoved !== 'detach' && onPartitionRemoved !== 'drop') {
    fail('SPEC_INVALID', ctx, `onPartitionRemoved ${JSON.stringify(onPartitionRemoved)} is not 'detach' or 'drop'`);
  }
  return { table: { schema, name }, ...level, policy, onPartitionRemoved };
}

/**
 * The sub-partitioning a maintenance policy gives a new partition named `prefix`.
 *
 * @example
 * ```ts
 * resolveTemplate(metrics, getPartitioning(metrics)!.policy!.partitionBy!.spec, 'metrics_p20260301'); // HASH level, metrics_p20260301_h4_0 ...
 * ```
 */
export function resolveTemplate(table: PgTable, spec: AnyPartitionSpec, prefix: string): PartitionLevel {
  const ctx: LevelContext = { table, tableLabel: tableLabel(table), prefix, under: prefix };
  return resolveLevel(spec, ctx, new Map([[prefix, 'the new partition']]));
}

/** Key columns of every level of a partitioning (for uniqueness checks). */
export function allKeys(level: PartitionLevel): { keys: PartitionKey[]; where: string }[] {
  const out: { keys: PartitionKey[]; where: string }[] = [{ keys: [...level.keys], where: '' }];
  for (const p of level.partitions) {
    if (p.partitionBy) out.push(...allKeys(p.partitionBy).map((k) => ({ keys: k.keys, where: k.where || p.name })));
  }
  return out;
}

