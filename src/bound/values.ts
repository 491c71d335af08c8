/**
 * Partition bound values, normalised. A user writes `'2026-01-01'`, a `Date`,
 * `42n` or `MINVALUE`; this module turns each into a {@link BoundValue} of the key's
 * type, so bounds can be compared by value (never by text), named and rendered.
 */
import { INTEGER_LIMITS, type KeyType } from './key-type.js';

/** Microseconds in an hour and in a day (timestamps are handled as bigint microseconds since 1970). */
export const US_PER_HOUR = 3_600_000_000n;
export const US_PER_DAY = 86_400_000_000n;


const MIN_BRAND = Symbol.for('drizzle-partitions:MINVALUE');
const MAX_BRAND = Symbol.for('drizzle-partitions:MAXVALUE');

/**
 * PostgreSQL's `MINVALUE` range bound: below every value of the key.
 *
 * @example
 * ```ts
 * range(t.createdAt, { partitions: [{ from: MINVALUE, to: '2026-01-01' }] }) // named events_pmin
 * ```
 */
export const MINVALUE: { readonly [MIN_BRAND]: true } = Object.freeze({ [MIN_BRAND]: true as const });
/**
 * PostgreSQL's `MAXVALUE` range bound: above every value of the key.
 *
 * @example
 * ```ts
 * range(t.createdAt, { partitions: [{ from: '2026-01-01', to: MAXVALUE }] })
 * ```
 */
export const MAXVALUE: { readonly [MAX_BRAND]: true } = Object.freeze({ [MAX_BRAND]: true as const });
/**
 * The type of {@link MINVALUE} and {@link MAXVALUE}.
 *
 * @example
 * ```ts
 * const upper: RangeLimit = MAXVALUE;
 * ```
 */
export type RangeLimit = typeof MINVALUE | typeof MAXVALUE;

/**
 * A value a user may write as a bound (and pass to `ensurePartitions`).
 *
 * @example
 * ```ts
 * const values: BoundInput[] = ['2026-01-01', new Date(), 42, 42n, true, null, MINVALUE];
 * ```
 */
export type BoundInput = string | number | bigint | boolean | Date | null | RangeLimit;

/**
 * A bound value normalised for its key type. `text` is the canonical text the DDL
 * module renders; `ord` orders values of ordered types (dates in days, timestamps in
 * microseconds since 1970-01-01 UTC, integers, enum positions, booleans, uuids).
 *
 * @example
 * ```ts
 * const bound = getPartitioning(events)!.partitions[0]!.bound;
 * if (bound.kind === 'range') bound.from[0]; // { kind: 'timestamptz', text: '2026-01-01 00:00:00', ord: 1767225600000000n }
 * ```
 */
export type BoundValue =
  | { kind: 'minvalue' }
  | { kind: 'maxvalue' }
  | { kind: 'null' }
  | { kind: 'date' | 'timestamp' | 'timestamptz' | 'integer' | 'enum' | 'boolean' | 'uuid'; text: string; ord: bigint }
  | { kind: 'numeric'; text: string }
  | { kind: 'text' | 'other'; text: string; quoted: boolean };

/** Why a value could not be a bound: the wrong JavaScript type, or a bad value. */
export interface BoundProblem {
  problem: 'type' | 'value';
  message: string;
}

export function isMinValue(v: unknown): v is typeof MINVALUE {
  return typeof v === 'object' && v !== null && MIN_BRAND in v;
}
export function isMaxValue(v: unknown): v is typeof MAXVALUE {
  return typeof v === 'object' && v !== null && MAX_BRAND in v;
}


function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

function describe(v: unknown): string {
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()})`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** Microseconds since the epoch, UTC, for a civil date and time. */
function civilToMicros(y: number, mo: number, d: number, h: number, mi: number, s: number, us: number): bigint | undefined {
  // Date.UTC maps years 0-99 to 1900-1999: set the full year explicitly.
  const check = new Date(Date.UTC(2000, mo - 1, d, h, mi, s));
  check.setUTCFullYear(y, mo - 1, d);
  const ms = check.getTime();
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  if (y < 1 || y > 9999) return undefined;
  return BigInt(ms) * 1000n + BigInt(us);
}

/** Canonical text of a UTC instant: `2026-01-01 00:00:00` or with `.ffffff`. */
export function microsToText(micros: bigint): string {
  const ms = Number((micros - (((micros % 1000n) + 1000n) % 1000n)) / 1000n);
  const extra = Number(((micros % 1000n) + 1000n) % 1000n);
  const d = new Date(ms);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const frac = d.getUTCMilliseconds() * 1000 + extra;
  return frac === 0 ? base : `${base}.${pad(frac, 6).replace(/0+$/, '')}`;
}

/** Canonical `YYYY-MM-DD` of a day number (days since 1970-01-01). */
export function daysToText(days: bigint): string {
  const d = new Date(Number(days) * 86_400_000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function parseTimeText(text: string): { micros: bigint; hasTime: boolean; hasOffset: boolean } | undefined {
  const m = TIME_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', off] = m;
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const micros = civilToMicros(Number(y), Number(mo), Number(d), hour, minute, second, Number(frac.padEnd(6, '0')));
  if (micros === undefined) return undefined;
  let offsetMicros = 0n;
  if (off && off.toUpperCase() !== 'Z') {
    const sign = off.startsWith('-') ? -1n : 1n;
    const digits = off.slice(1).replace(':', '');
    const oh = BigInt(digits.slice(0, 2));
    const om = BigInt(digits.slice(2) || '0');
    if (oh > 15n || om > 59n) return undefined;
    offsetMicros = sign * (oh * 3600n + om * 60n) * 1_000_000n;
  }
  return { micros: micros - offsetMicros, hasTime: m[4] !== undefined, hasOffset: off !== undefined };
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * Normalises one user-written bound value for a key of type `type`. Returns a
 * {@link BoundProblem} instead of throwing so the caller can name the table,
 * partition and column in its error.
 *
 * @example
 * ```ts
 * normalizeBound('2026-01-01', 'timestamptz'); // { kind: 'timestamptz', text: '2026-01-01 00:00:00', ord: ... }
 * ```
 */
export function normalizeBound(input: unknown, type: KeyType, enumLabels?: readonly string[]): BoundValue | BoundProblem {
  if (isMinValue(input)) return { kind: 'minvalue' };
  if (isMaxValue(input)) return { kind: 'maxvalue' };
  if (input === null) return { kind: 'null' };
  const typeErr = (expected: string): BoundProblem => ({ problem: 'type', message: `${describe(input)} is not ${expected}` });
  const valueErr = (why: string): BoundProblem => ({ problem: 'value', message: `${describe(input)} ${why}` });

  switch (type) {
    case 'date': {
      if (input instanceof Date) {
        const t = input.getTime();
        if (Number.isNaN(t)) return valueErr('is an invalid Date');
        if (t % 86_400_000 !== 0) return valueErr('is not midnight UTC; a date bound must be a whole day');
        const days = BigInt(t / 86_400_000);
        return { kind: 'date', text: daysToText(days), ord: days };
      }
      if (typeof input !== 'string') return typeErr('a date (a "YYYY-MM-DD" string or a Date)');
      const parsed = /^\d{4}-\d{2}-\d{2}$/.test(input.trim()) ? parseTimeText(input) : undefined;
      if (!parsed) return valueErr('is not a valid "YYYY-MM-DD" date');
      const days = parsed.micros / US_PER_DAY;
      return { kind: 'date', text: daysToText(days), ord: days };
    }
    case 'timestamp':
    case 'timestamptz': {
      let micros: bigint;
      if (input instanceof Date) {
        const t = input.getTime();
        if (Number.isNaN(t)) return valueErr('is an invalid Date');
        micros = BigInt(t) * 1000n;
      } else if (typeof input === 'string') {
        const parsed = parseTimeText(input);
        if (!parsed) return valueErr('is not a valid timestamp ("YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.ffffff]]" or ISO 8601)');
        if (parsed.hasOffset && type === 'timestamp') {
          return valueErr('carries a UTC offset, but the key is a timestamp without time zone; write the wall-clock time without an offset');
        }
        micros = parsed.micros;
      } else {
        return typeErr('a timestamp (a string or a Date)');
      }
      return { kind: type, text: microsToText(micros), ord: micros };
    }
    case 'smallint':
    case 'integer':
    case 'bigint': {
      let n: bigint;
      if (typeof input === 'bigint') n = input;
      else if (typeof input === 'number') {
        if (!Number.isInteger(input)) return valueErr(`is not a whole number; the key is ${type}`);
        if (!Number.isSafeInteger(input)) return valueErr('is beyond the safe integer range of a number; write it as a bigint (123n)');
        n = BigInt(input);
      } else if (typeof input === 'string' && /^-?\d+$/.test(input.trim())) n = BigInt(input.trim());
      else return typeErr(`an integer (a number or bigint) for a ${type} key`);
      const [lo, hi] = INTEGER_LIMITS[type];
      if (n < lo || n > hi) return valueErr(`is outside the ${type} range ${lo}..${hi}`);
      return { kind: 'integer', text: n.toString(), ord: n };
    }
    case 'numeric':
    case 'float': {
      let text: string;
      if (typeof input === 'number') {
        if (!Number.isFinite(input)) return valueErr('is not a finite number');
        text = String(input);
        if (/e/i.test(text)) return valueErr('needs exponent notation; write it as a decimal string');
      } else if (typeof input === 'bigint') text = input.toString();
      else if (typeof input === 'string' && /^-?\d+(\.\d+)?$/.test(input.trim())) text = input.trim();
      else return typeErr('a number or a decimal string');
      return { kind: 'numeric', text: canonicalDecimal(text) };
    }
    case 'text':
      if (typeof input !== 'string') return typeErr('a string');
      if (input.includes('\0')) return valueErr('contains a NUL character');
      return { kind: 'text', text: input, quoted: true };
    case 'uuid':
      if (typeof input !== 'string') return typeErr('a uuid string');
      if (!UUID_RE.test(input)) return valueErr('is not a uuid');
      {
        const hex = input.replace(/-/g, '').toLowerCase();
        const text = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
        return { kind: 'uuid', text, ord: BigInt(`0x${hex}`) };
      }
    case 'boolean':
      if (typeof input !== 'boolean') return typeErr('a boolean');
      return { kind: 'boolean', text: input ? 'true' : 'false', ord: input ? 1n : 0n };
    case 'enum': {
      if (typeof input !== 'string') return typeErr('an enum label (a string)');
      const idx = enumLabels ? enumLabels.indexOf(input) : -1;
      if (idx < 0) return valueErr(`is not a label of the enum (${(enumLabels ?? []).map((l) => JSON.stringify(l)).join(', ')})`);
      return { kind: 'enum', text: input, ord: BigInt(idx) };
    }
    case 'other':
      if (typeof input === 'string') return { kind: 'other', text: input, quoted: true };
      if (typeof input === 'number' && Number.isFinite(input)) return { kind: 'other', text: String(input), quoted: false };
      if (typeof input === 'bigint') return { kind: 'other', text: input.toString(), quoted: false };
      if (typeof input === 'boolean') return { kind: 'other', text: String(input), quoted: false };
      return typeErr('a string, number or boolean');
  }
}

export function isBoundProblem(v: BoundValue | BoundProblem): v is BoundProblem {
  return 'problem' in v;
}

/** `007.50` -> `7.5`, `-0` -> `0`. */
export function canonicalDecimal(text: string): string {
  let [int = '0', frac = ''] = text.replace(/^-/, '').split('.');
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const neg = text.startsWith('-') && !(/^0*$/.test(int) && frac === '');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

function compareDecimal(a: string, b: string): number {
  const neg = (s: string) => s.startsWith('-');
  if (neg(a) !== neg(b)) return neg(a) ? -1 : 1;
  const sign = neg(a) ? -1 : 1;
  const [ai = '0', af = ''] = a.replace(/^-/, '').split('.');
  const [bi = '0', bf = ''] = b.replace(/^-/, '').split('.');
  const width = Math.max(af.length, bf.length);
  const av = BigInt(ai + af.padEnd(width, '0'));
  const bv = BigInt(bi + bf.padEnd(width, '0'));
  return av === bv ? 0 : (av < bv ? -1 : 1) * sign;
}

/**
 * Orders two bound values of the same key. Returns undefined when the order is
 * the server's to decide (text under a collation, types this package does not know).
 */
export function compareBound(a: BoundValue, b: BoundValue): number | undefined {
  if (a.kind === 'minvalue') return b.kind === 'minvalue' ? 0 : -1;
  if (a.kind === 'maxvalue') return b.kind === 'maxvalue' ? 0 : 1;
  if (b.kind === 'minvalue') return 1;
  if (b.kind === 'maxvalue') return -1;
  if (a.kind === 'null' || b.kind === 'null') return a.kind === b.kind ? 0 : undefined;
  if (a.kind === 'numeric' && b.kind === 'numeric') return compareDecimal(a.text, b.text);
  if ('ord' in a && 'ord' in b && a.kind === b.kind) return a.ord === b.ord ? 0 : a.ord < b.ord ? -1 : 1;
  return undefined;
}

/** Whether two bound values are the same value (for duplicate detection). */
export function sameBound(a: BoundValue, b: BoundValue): boolean {
  if (a.kind !== b.kind) return false;
  const c = compareBound(a, b);
  if (c !== undefined) return c === 0;
  return 'text' in a && 'text' in b && a.text === b.text;
}

/**
 * Compares two multi-column range bounds the way PostgreSQL does: column by column,
 * MINVALUE below and MAXVALUE above everything. Undefined when unknown.
 */
export function compareTuple(a: readonly BoundValue[], b: readonly BoundValue[]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y) return undefined;
    const c = compareBound(x, y);
    if (c === undefined) {
      if (sameBound(x, y)) continue;
      return undefined;
    }
    if (c !== 0) return c;
    if (x.kind === 'minvalue' || x.kind === 'maxvalue') return 0;
  }
  return 0;
}

/**
 * A bound value as a person reads it in a message: timestamptz with its `+00`,
 * MINVALUE / MAXVALUE / NULL in capitals, other values as PostgreSQL writes them.
 *
 * @example
 * ```ts
 * displayValue(normalizeBound('2026-01-01', 'timestamptz') as BoundValue); // '2026-01-01 00:00:00+00'
 * displayTuple([{ kind: 'minvalue' }]);                                    // 'MINVALUE'
 * ```
 */
export function displayValue(v: BoundValue): string {
  return v.kind === 'timestamptz' ? `${v.text}+00` : 'text' in v ? v.text : v.kind.toUpperCase();
}

/** Several values ({@link displayValue}), comma-separated: a multi-column bound. */
export function displayTuple(t: readonly BoundValue[]): string {
  return t.map(displayValue).join(', ');
}

/**
 * The piece of a partition name a bound value gives: `20260101` for a day,
 * `20260101_0600` for a timestamp that is not midnight (or always, with
 * `withTime`: hourly partitions), `m5` for -5, `min`/`max`.
 */
export function nameFragment(v: BoundValue, opts: { withTime?: boolean } = {}): string {
  switch (v.kind) {
    case 'minvalue':
      return 'min';
    case 'maxvalue':
      return 'max';
    case 'null':
      return 'null';
    case 'date':
      return v.text.replace(/-/g, '');
    case 'timestamp':
    case 'timestamptz': {
      const [day = '', time = ''] = v.text.split(' ');
      const compact = day.replace(/-/g, '');
      const [hms = '', frac] = time.split('.');
      if (hms === '00:00:00' && !frac && !opts.withTime) return compact;
      const [h, m, s] = hms.split(':');
      return `${compact}_${h}${m}${s !== '00' || frac ? s : ''}${frac ? `_${frac}` : ''}`;
    }
    case 'integer':
    case 'numeric':
      return v.text.replace(/^-/, 'm').replace('.', '_');
    case 'uuid':
      return v.text.replace(/-/g, '');
    default:
      return sanitizeForName(v.text);
  }
}

/** Lower-cases and keeps `[a-z0-9_]`, folding every other run of characters into `_`. */
export function sanitizeForName(text: string): string {
  const s = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return s === '' ? 'x' : s;
}

/**
 * A partition's bound, by method; values are normalised for the key's types.
 *
 * @example
 * ```ts
 * const bound: PartitionBound = { kind: 'hash', modulus: 4, remainder: 0 };
 * getPartitioning(events)!.partitions[0]!.bound.kind; // 'range'
 * ```
 */
export type PartitionBound =
  | { kind: 'range'; from: readonly BoundValue[]; to: readonly BoundValue[] }
  | { kind: 'list'; values: readonly BoundValue[] }
  | { kind: 'hash'; modulus: number; remainder: number }
  | { kind: 'default' };

/** A range bound. */
export type RangeBound = Extract<PartitionBound, { kind: 'range' }>;

/**
 * Whether two bounds are the same partition bound, by value: range tuples compared the
 * way PostgreSQL does (columns after MINVALUE/MAXVALUE do not count), list values as a
 * set (order and repeats do not matter), hash by modulus and remainder.
 */
export function boundsEqual(a: PartitionBound, b: PartitionBound): boolean {
  switch (a.kind) {
    case 'default':
      return b.kind === 'default';
    case 'hash':
      return b.kind === 'hash' && a.modulus === b.modulus && a.remainder === b.remainder;
    case 'list':
      return (
        b.kind === 'list' &&
        a.values.every((x) => b.values.some((y) => sameBound(x, y))) &&
        b.values.every((y) => a.values.some((x) => sameBound(x, y)))
      );
    case 'range':
      return (
        b.kind === 'range' &&
        a.from.length === b.from.length &&
        a.to.length === b.to.length &&
        compareTuple(a.from, b.from) === 0 &&
        compareTuple(a.to, b.to) === 0
      );
  }
}

/**
 * Whether two range bounds share a value (`to` is exclusive, so adjacent ranges do not).
 * Undefined when the order is the server's to decide (text keys under a collation,
 * types this package does not order).
 */
export function rangesOverlap(a: RangeBound, b: RangeBound): boolean | undefined {
  const emptyA = compareTuple(a.from, a.to);
  const emptyB = compareTuple(b.from, b.to);
  if ((emptyA !== undefined && emptyA >= 0) || (emptyB !== undefined && emptyB >= 0)) return false;
  const aStartsAfterB = compareTuple(a.from, b.to);
  const bStartsAfterA = compareTuple(b.from, a.to);
  if ((aStartsAfterB !== undefined && aStartsAfterB >= 0) || (bStartsAfterA !== undefined && bStartsAfterA >= 0)) return false;
  if (aStartsAfterB === undefined || bStartsAfterA === undefined || emptyA === undefined || emptyB === undefined) return undefined;
  return true;
}

/**
 * The name a partition gets when none is given: the one naming rule, for declared
 * partitions and for those maintenance and ensurePartitions create. `_p` and the
 * range's start for RANGE, the values for LIST, `_h<modulus>_<remainder>` for HASH.
 *
 * @example
 * ```ts
 * partitionName('events', getPartitioning(events)!.partitions[0]!.bound); // 'events_p20260101'
 * partitionName('events', bound, { withTime: true });                      // 'events_p20260101_0000' (hourly slots)
 * ```
 */
export function partitionName(prefix: string, bound: PartitionBound, opts: { withTime?: boolean } = {}): string {
  switch (bound.kind) {
    case 'range':
      return `${prefix}_p${bound.from.map((v) => nameFragment(v, opts)).join('_')}`;
    case 'list':
      return `${prefix}_${bound.values.map((v) => nameFragment(v)).join('_')}`;
    case 'hash':
      return `${prefix}_h${bound.modulus}_${bound.remainder}`;
    case 'default':
      return `${prefix}_default`;
  }
}
