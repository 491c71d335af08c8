/**
 * Reads partition bounds back from the catalog, by value. `pg_get_expr(relpartbound, oid)`
 * prints a bound as text (`FOR VALUES FROM ('2026-01-01 00:00:00+00') TO (...)`); this
 * module tokenizes that text and normalises each value for its key type with
 * {@link normalizeBound}, so a bound read from the server compares equal to the bound
 * the schema declares, whatever the session's `TimeZone` printed.
 *
 * What PostgreSQL (10 to 18) prints, and so what this parser expects:
 * - `DEFAULT`; `FOR VALUES FROM (..) TO (..)`; `FOR VALUES IN (..)`;
 *   `FOR VALUES WITH (modulus 4, remainder 1)`.
 * - No `::type` casts (they are stripped when present all the same).
 * - `integer` and `numeric` values bare when positive (`10`, `0.10`), quoted when
 *   negative (`'-5'`, `'-5.50'`); `smallint`, `bigint`, `real` and `double precision`
 *   always quoted, floats in exponent form (`'1e+20'`); booleans bare (`true`).
 * - Dates and timestamps in the session's `DateStyle` (only `ISO` is readable here);
 *   `timestamptz` in the session's `TimeZone` with its offset (`'2025-12-31 19:00:00-05'`,
 *   `'2026-01-01 05:30:00+05:30'`, and for dates before standard time a local mean time
 *   offset with seconds: `'1849-12-31 19:03:58-04:56:02'`).
 * - Strings quoted with `''` doubled and never as `E'...'`; with
 *   `standard_conforming_strings = off` backslashes are doubled too (pass
 *   `{ standardConformingStrings: false }`).
 */
import { RuntimeError } from '../errors.js';
import { isBoundProblem, microsToText, normalizeBound, type BoundValue } from './values.js';
import type { KeyType } from './key-type.js';
import type { PartitionBound } from './values.js';

/** One column (or expression) of a partition key, as the parser needs it. */
export interface ParseBoundKey {
  type: KeyType;
  /** The enum's labels in declaration order; required for `enum` keys. */
  enumLabels?: readonly string[] | undefined;
}

export interface ParseBoundOptions {
  /**
   * The session's `standard_conforming_strings` when the text was read (default true,
   * PostgreSQL's default). When off, the server doubles backslashes inside quoted strings.
   */
  standardConformingStrings?: boolean | undefined;
}


const CODE = 'BOUND_UNPARSEABLE' as const;
const MAX_TEXT_IN_MESSAGE = 2000;

function fail(text: string, reason: string, hint?: string): never {
  const shown = text.length > MAX_TEXT_IN_MESSAGE ? `${text.slice(0, MAX_TEXT_IN_MESSAGE)}… (${text.length} characters)` : text;
  throw new RuntimeError(CODE, `${reason}, in partition bound: ${shown}`, hint);
}

// ---------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------

type Token =
  | { t: 'str'; value: string; pos: number }
  | { t: 'num'; text: string; pos: number }
  | { t: 'word'; text: string; upper: string; pos: number }
  | { t: 'ident'; text: string; pos: number }
  | { t: 'punct'; text: '(' | ')' | ',' | '::' | '.' | '[' | ']'; pos: number }
  | { t: 'end'; pos: number };

const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_$]/u;
const NUMBER_AT = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;

/** Reads a quoted string starting at the opening quote; `escapes`: backslash escapes (E'' strings). */
function readString(text: string, start: number, escapes: boolean): { value: string; end: number } {
  if (!escapes) {
    // What pg_get_expr prints: only '' to undo.
    let value = '';
    let from = start + 1;
    for (;;) {
      const q = text.indexOf("'", from);
      if (q < 0) fail(text, `unterminated quoted string starting at character ${start + 1}`);
      value += text.slice(from, q);
      if (text[q + 1] !== "'") {
        if (value.includes('\0')) fail(text, `the string starting at character ${start + 1} contains a NUL character`);
        return { value, end: q + 1 };
      }
      value += "'";
      from = q + 2;
    }
  }
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  const pushChar = (ch: string) => bytes.push(...encoder.encode(ch));
  let i = start + 1;
  for (;;) {
    if (i >= text.length) fail(text, `unterminated quoted string starting at character ${start + 1}`);
    const ch = text[i]!;
    if (ch === "'") {
      if (text[i + 1] === "'") {
        pushChar("'");
        i += 2;
        continue;
      }
      i += 1;
      break;
    }
    if (ch === '\\' && escapes) {
      const next = text[i + 1];
      if (next === undefined) fail(text, `unterminated quoted string starting at character ${start + 1}`);
      const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (simple[next] !== undefined) {
        pushChar(simple[next]);
        i += 2;
      } else if (/[0-7]/.test(next)) {
        const m = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4))![0];
        bytes.push(parseInt(m, 8) & 0xff);
        i += 1 + m.length;
      } else if (next === 'x' && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
        const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2, i + 4))![0];
        bytes.push(parseInt(m, 16));
        i += 2 + m.length;
      } else if (next === 'u' || next === 'U') {
        const width = next === 'u' ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) fail(text, `invalid Unicode escape at character ${i + 1}`);
        let cp = parseInt(hex, 16);
        i += 2 + width;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(text.slice(i, i + 6));
          if (!low) fail(text, `invalid Unicode surrogate pair at character ${i + 1}`);
          cp = 0x10000 + ((cp - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
          i += 6;
        }
        if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail(text, `invalid Unicode escape value at character ${i + 1}`);
        pushChar(String.fromCodePoint(cp));
      } else {
        pushChar(next);
        i += 2;
      }
      continue;
    }
    const cp = text.codePointAt(i)!;
    const s = String.fromCodePoint(cp);
    pushChar(s);
    i += s.length;
  }
  let value: string;
  try {
    value = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    fail(text, `the string starting at character ${start + 1} is not valid UTF-8`);
  }
  if (value.includes('\0')) fail(text, `the string starting at character ${start + 1} contains a NUL character`);
  return { value, end: i };
}

function tokenize(text: string, standardConformingStrings: boolean): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === "'") {
      const s = readString(text, i, !standardConformingStrings);
      tokens.push({ t: 'str', value: s.value, pos: i });
      i = s.end;
      continue;
    }
    if ((ch === 'E' || ch === 'e') && text[i + 1] === "'") {
      const s = readString(text, i + 1, true);
      tokens.push({ t: 'str', value: s.value, pos: i });
      i = s.end;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      let ident = '';
      for (;;) {
        if (j >= text.length) fail(text, `unterminated quoted identifier starting at character ${i + 1}`);
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            ident += '"';
            j += 2;
            continue;
          }
          j += 1;
          break;
        }
        ident += text[j];
        j += 1;
      }
      tokens.push({ t: 'ident', text: ident, pos: i });
      i = j;
      continue;
    }
    if (/[\d.+-]/.test(ch)) {
      NUMBER_AT.lastIndex = i;
      const m = NUMBER_AT.exec(text);
      if (m) {
        tokens.push({ t: 'num', text: m[0], pos: i });
        i += m[0].length;
        continue;
      }
    }
    if (ch === ':' && text[i + 1] === ':') {
      tokens.push({ t: 'punct', text: '::', pos: i });
      i += 2;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',' || ch === '.' || ch === '[' || ch === ']') {
      tokens.push({ t: 'punct', text: ch, pos: i });
      i += 1;
      continue;
    }
    if (WORD_START.test(ch)) {
      let j = i + 1;
      while (j < text.length && WORD_PART.test(text[j]!)) j += 1;
      const word = text.slice(i, j);
      tokens.push({ t: 'word', text: word, upper: word.toUpperCase(), pos: i });
      i = j;
      continue;
    }
    fail(text, `unexpected character ${JSON.stringify(ch)} at character ${i + 1}`);
  }
  tokens.push({ t: 'end', pos: text.length });
  return tokens;
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

/** A value as written, before the key type gives it a meaning. */
type RawValue =
  | { raw: 'string'; value: string; pos: number }
  | { raw: 'number'; text: string; pos: number }
  | { raw: 'boolean'; value: boolean; pos: number }
  | { raw: 'null' | 'minvalue' | 'maxvalue'; pos: number };

type RawBound =
  | { kind: 'range'; from: RawValue[]; to: RawValue[] }
  | { kind: 'list'; values: RawValue[] }
  | { kind: 'hash'; modulus: number; remainder: number }
  | { kind: 'default' };

function describeToken(tok: Token): string {
  switch (tok.t) {
    case 'end':
      return 'the end of the text';
    case 'str':
      return `a string at character ${tok.pos + 1}`;
    case 'num':
      return `${tok.text} at character ${tok.pos + 1}`;
    case 'word':
    case 'punct':
      return `"${tok.text}" at character ${tok.pos + 1}`;
    case 'ident':
      return `identifier "${tok.text}" at character ${tok.pos + 1}`;
  }
}

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    const tok = this.tokens[this.i]!;
    if (tok.t !== 'end') this.i += 1;
    return tok;
  }
  private isWord(tok: Token, word: string): boolean {
    return tok.t === 'word' && tok.upper === word;
  }
  private isPunct(tok: Token, p: string): boolean {
    return tok.t === 'punct' && tok.text === p;
  }
  private expectWord(word: string): void {
    const tok = this.next();
    if (!this.isWord(tok, word)) fail(this.text, `expected ${word} but found ${describeToken(tok)}`);
  }
  private expectPunct(p: string): void {
    const tok = this.next();
    if (!this.isPunct(tok, p)) fail(this.text, `expected "${p}" but found ${describeToken(tok)}`);
  }

  parse(): RawBound {
    if (this.peek().t === 'end') fail(this.text, 'the text is empty');
    let bound: RawBound;
    if (this.isWord(this.peek(), 'DEFAULT')) {
      this.next();
      bound = { kind: 'default' };
    } else {
      this.expectWord('FOR');
      this.expectWord('VALUES');
      const tok = this.next();
      if (this.isWord(tok, 'FROM')) {
        const from = this.valueList();
        this.expectWord('TO');
        const to = this.valueList();
        bound = { kind: 'range', from, to };
      } else if (this.isWord(tok, 'IN')) {
        bound = { kind: 'list', values: this.valueList() };
      } else if (this.isWord(tok, 'WITH')) {
        this.expectPunct('(');
        const items = new Map<string, number>();
        for (;;) {
          const name = this.next();
          if (!(name.t === 'word' && (name.upper === 'MODULUS' || name.upper === 'REMAINDER'))) {
            fail(this.text, `expected MODULUS or REMAINDER but found ${describeToken(name)}`);
          }
          if (items.has(name.upper)) fail(this.text, `${name.upper} appears twice`);
          const num = this.next();
          if (num.t !== 'num' || !/^\d+$/.test(num.text) || !Number.isSafeInteger(Number(num.text))) {
            fail(this.text, `expected a whole number after ${name.upper} but found ${describeToken(num)}`);
          }
          items.set(name.upper, Number(num.text));
          const sep = this.next();
          if (this.isPunct(sep, ')')) break;
          if (!this.isPunct(sep, ',')) fail(this.text, `expected "," or ")" but found ${describeToken(sep)}`);
        }
        const modulus = items.get('MODULUS');
        const remainder = items.get('REMAINDER');
        if (modulus === undefined || remainder === undefined) fail(this.text, 'a hash bound needs both MODULUS and REMAINDER');
        if (modulus < 1) fail(this.text, `modulus ${modulus} is not a positive integer`);
        if (remainder >= modulus) fail(this.text, `remainder ${remainder} is not below modulus ${modulus}`);
        bound = { kind: 'hash', modulus, remainder };
      } else {
        fail(this.text, `expected FROM, IN or WITH but found ${describeToken(tok)}`);
      }
    }
    const rest = this.peek();
    if (rest.t !== 'end') fail(this.text, `unexpected ${describeToken(rest)} after the bound`);
    return bound;
  }

  private valueList(): RawValue[] {
    this.expectPunct('(');
    const values: RawValue[] = [];
    if (this.isPunct(this.peek(), ')')) fail(this.text, `empty value list at character ${this.peek().pos + 1}`);
    for (;;) {
      values.push(this.value());
      const sep = this.next();
      if (this.isPunct(sep, ')')) return values;
      if (!this.isPunct(sep, ',')) fail(this.text, `expected "," or ")" but found ${describeToken(sep)}`);
    }
  }

  private value(): RawValue {
    const tok = this.next();
    let v: RawValue;
    if (tok.t === 'str') v = { raw: 'string', value: tok.value, pos: tok.pos };
    else if (tok.t === 'num') v = { raw: 'number', text: tok.text, pos: tok.pos };
    else if (tok.t === 'word' && (tok.upper === 'TRUE' || tok.upper === 'FALSE')) v = { raw: 'boolean', value: tok.upper === 'TRUE', pos: tok.pos };
    else if (tok.t === 'word' && tok.upper === 'NULL') v = { raw: 'null', pos: tok.pos };
    else if (tok.t === 'word' && tok.upper === 'MINVALUE') v = { raw: 'minvalue', pos: tok.pos };
    else if (tok.t === 'word' && tok.upper === 'MAXVALUE') v = { raw: 'maxvalue', pos: tok.pos };
    else fail(this.text, `expected a value but found ${describeToken(tok)}`);
    while (this.isPunct(this.peek(), '::')) this.skipTypeName();
    return v;
  }

  /** Skips `::type`: words, quoted identifiers, dots, a typmod in parentheses, `[]`. */
  private skipTypeName(): void {
    const cast = this.next();
    const first = this.next();
    if (first.t !== 'word' && first.t !== 'ident') fail(this.text, `expected a type name after "::" at character ${cast.pos + 1}`);
    let depth = 0;
    for (;;) {
      const tok = this.peek();
      if (tok.t === 'end') {
        if (depth > 0) fail(this.text, `unbalanced parentheses in the type name after "::" at character ${cast.pos + 1}`);
        return;
      }
      if (depth === 0 && (this.isPunct(tok, ',') || this.isPunct(tok, ')') || this.isPunct(tok, '::'))) return;
      if (this.isPunct(tok, '(')) depth += 1;
      else if (this.isPunct(tok, ')')) depth -= 1;
      else if (tok.t === 'str') fail(this.text, `unexpected ${describeToken(tok)} in the type name after "::"`);
      this.next();
    }
  }
}

// ---------------------------------------------------------------------------
// Values per key type
// ---------------------------------------------------------------------------

/** `1e+20` -> `100000000000000000000`, `-2.5e-3` -> `-0.0025`; undefined when not a number. */
function plainDecimal(text: string): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, sign = '', int = '', frac = '', expText] = m;
  if (int === '' && frac === '') return undefined;
  const exp = expText === undefined ? 0 : Number(expText);
  if (Math.abs(exp) > 1000) return undefined;
  const digits = int + frac;
  const point = int.length + exp;
  let body: string;
  if (point <= 0) body = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) body = `${digits}${'0'.repeat(point - digits.length)}`;
  else body = `${digits.slice(0, point)}.${digits.slice(point)}`;
  if (body.includes('.')) body = body.replace(/\.?0+$/, '');
  return `${sign === '-' ? '-' : ''}${body === '' ? '0' : body}`;
}

const SECONDS_OFFSET = /^(.*\d)\s*([+-])(\d{2}):(\d{2}):(\d{2})$/;
const DATESTYLE_HINT = 'read bounds in a session with DateStyle = ISO (SET DateStyle = ISO); other date styles print day/month orders and zone abbreviations that cannot be read back safely';

function describeRaw(v: RawValue): string {
  switch (v.raw) {
    case 'string':
      return `'${v.value.replace(/'/g, "''")}'`;
    case 'number':
      return v.text;
    case 'boolean':
      return String(v.value);
    default:
      return v.raw.toUpperCase();
  }
}

function toBoundValue(text: string, v: RawValue, key: ParseBoundKey, where: string): BoundValue {
  if (v.raw === 'null') return { kind: 'null' };
  if (v.raw === 'minvalue') return { kind: 'minvalue' };
  if (v.raw === 'maxvalue') return { kind: 'maxvalue' };
  const bad = (why: string, hint?: string): never =>
    fail(text, `value ${describeRaw(v)} (${where}, character ${v.pos + 1}) does not fit a ${key.type} key: ${why}`, hint);
  const check = (r: ReturnType<typeof normalizeBound>, hint?: string): BoundValue => (isBoundProblem(r) ? bad(r.message, hint) : r);

  switch (key.type) {
    case 'date':
    case 'timestamp':
    case 'timestamptz': {
      if (v.raw !== 'string') return bad('expected a quoted date or timestamp');
      const s = v.value.trim();
      if (/infinity/i.test(s) || /\bBC$/i.test(s)) return bad('infinite and BC dates cannot be represented as bound values');
      const hint = /^\d{4,}-\d{2}-\d{2}/.test(s) ? undefined : DATESTYLE_HINT;
      if (key.type === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(s) === false) {
        return bad('expected YYYY-MM-DD', hint);
      }
      const sec = key.type === 'timestamptz' ? SECONDS_OFFSET.exec(s) : null;
      if (sec) {
        // A local mean time offset with seconds (`-04:56:02`), printed for instants
        // before a zone adopted standard time; normalizeBound reads hours and minutes.
        const [, base = '', sign = '+', hh = '', mm = '', ss = ''] = sec;
        const r = check(normalizeBound(`${base}${sign}${hh}:${mm}`, 'timestamptz'), hint);
        if (!('ord' in r)) return bad('unexpected value');
        const ord = r.ord - (sign === '-' ? -1n : 1n) * BigInt(ss) * 1_000_000n;
        return { kind: 'timestamptz', text: microsToText(ord), ord };
      }
      return check(normalizeBound(s, key.type), hint);
    }
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const t = v.raw === 'string' ? v.value.trim() : v.raw === 'number' ? v.text : undefined;
      if (t === undefined) return bad('expected an integer');
      return check(normalizeBound(t.replace(/^\+/, ''), key.type));
    }
    case 'numeric':
    case 'float': {
      const t = v.raw === 'string' ? v.value.trim() : v.raw === 'number' ? v.text : undefined;
      if (t === undefined) return bad('expected a number');
      const plain = plainDecimal(t);
      if (plain === undefined) return bad(/nan|inf/i.test(t) ? 'NaN and infinities cannot be represented as bound values' : 'expected a decimal number');
      return check(normalizeBound(plain, key.type));
    }
    case 'text':
    case 'uuid':
    case 'enum':
      if (v.raw !== 'string') return bad('expected a quoted string');
      if (key.type === 'enum' && !key.enumLabels) return bad('the enum labels were not given');
      return check(normalizeBound(v.value, key.type, key.enumLabels));
    case 'boolean':
      if (v.raw !== 'boolean') return bad('expected true or false');
      return check(normalizeBound(v.value, 'boolean'));
    case 'other':
      if (v.raw === 'string') return { kind: 'other', text: v.value, quoted: true };
      if (v.raw === 'number') return { kind: 'other', text: v.text.replace(/^\+/, ''), quoted: false };
      if (v.raw === 'boolean') return { kind: 'other', text: String(v.value), quoted: false };
      return bad('unexpected value');
  }
}

/**
 * One range `FOR VALUES FROM ('a') TO ('b')` or one-value list `FOR VALUES IN ('a')`
 * whose quoted strings hold no quote, backslash or NUL: what the runtime reads by the
 * thousand (a daily table's partitions). Read with a regular expression instead of the
 * tokenizer, into the same values the tokenizer would give; undefined for anything
 * else.
 */
const SIMPLE_RANGE = /^FOR VALUES FROM \('([^'\\\0]*)'\) TO \('([^'\\\0]*)'\)$/;
const SIMPLE_LIST = /^FOR VALUES IN \('([^'\\\0]*)'\)$/;

function parseSimple(text: string, key: ParseBoundKey): PartitionBound | undefined {
  const range = SIMPLE_RANGE.exec(text);
  if (range) {
    const from = range[1]!;
    const to = range[2]!;
    return { kind: 'range', from: [simpleValue(text, from, 'FOR VALUES FROM ('.length, key, 'FROM column 1')], to: [simpleValue(text, to, text.length - to.length - "')".length - 1, key, 'TO column 1')] };
  }
  const list = SIMPLE_LIST.exec(text);
  if (list) return { kind: 'list', values: [simpleValue(text, list[1]!, 'FOR VALUES IN ('.length, key, 'value 1')] };
  return undefined;
}

/** The quoted string `value` (its quote at `pos` of `text`) as a value of `key`. */
function simpleValue(text: string, value: string, pos: number, key: ParseBoundKey, where: string): BoundValue {
  return plainTimeValue(value, key.type) ?? toBoundValue(text, { raw: 'string', value, pos }, key, where);
}

/**
 * The value {@link normalizeBound} gives a date, timestamp or timestamptz as a UTC
 * session prints it when it has no fraction (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`,
 * `YYYY-MM-DD HH:MM:SS+00`), of a valid day and time in the years 1000 to 9999,
 * computed directly: the canonical text is the text itself (less `+00`). Undefined for
 * any other text or key type, which takes the general path. Read character by
 * character: a daily table's 10,000 partitions have 20,000 of these.
 */
function plainTimeValue(s: string, type: KeyType): BoundValue | undefined {
  const expected = type === 'date' ? 10 : type === 'timestamp' ? 19 : type === 'timestamptz' ? 22 : 0;
  if (expected === 0 || s.length !== expected) return undefined;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  if (s[4] !== '-' || s[7] !== '-' || y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  const days = daysFromCivil(y, mo, d);
  if (type === 'date') return { kind: 'date', text: s, ord: BigInt(days) };
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const sec = digitsAt(s, 17, 2);
  if (s[10] !== ' ' || s[13] !== ':' || s[16] !== ':' || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return undefined;
  if (type === 'timestamptz' && !s.endsWith('+00')) return undefined;
  const ms = days * 86_400_000 + ((h * 60 + mi) * 60 + sec) * 1000;
  // microseconds; one BigInt made where the product is exact as a number (years up to 2255)
  const us = Number.isSafeInteger(ms * 1000) ? BigInt(ms * 1000) : BigInt(ms) * 1000n;
  return type === 'timestamptz' ? { kind: 'timestamptz', text: s.slice(0, 19), ord: us } : { kind: 'timestamp', text: s, ord: us };
}

/** The `n` decimal digits at `from` as a number; -1 if any is not a digit. */
function digitsAt(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const digit = s.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    v = v * 10 + digit;
  }
  return v;
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (years from 1 on). */
function daysFromCivil(y: number, mo: number, d: number): number {
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Parses `pg_get_expr(relpartbound, oid)` text into a {@link PartitionBound} with values
 * normalised for the key types, so it can be compared by value with a declared bound
 * ({@link boundsEqual}). Read the text with `DateStyle = ISO` (any `TimeZone` works);
 * pass `standardConformingStrings: false` if the session had it off.
 *
 * @throws DrizzlePartitionsError with code `BOUND_UNPARSEABLE` (and the text in its
 * message) when the text is not a partition bound, or a value does not fit its key.
 *
 * @example
 * ```ts
 * parsePartitionBound("FOR VALUES FROM ('2025-12-31 19:00:00-05') TO (MAXVALUE)", [{ type: 'timestamptz' }]);
 * // { kind: 'range', from: [{ kind: 'timestamptz', text: '2026-01-01 00:00:00', ord: ... }], to: [{ kind: 'maxvalue' }] }
 * ```
 */
export function parsePartitionBound(text: string, keys: readonly ParseBoundKey[], options: ParseBoundOptions = {}): PartitionBound {
  if (typeof text !== 'string') fail(String(text), 'the bound is not a string');
  if ((options.standardConformingStrings ?? true) && keys.length === 1) {
    const simple = parseSimple(text, keys[0]!);
    if (simple) return simple;
  }
  const raw = new Parser(text, tokenize(text, options.standardConformingStrings ?? true)).parse();
  switch (raw.kind) {
    case 'default':
    case 'hash':
      return raw;
    case 'list': {
      if (keys.length !== 1) fail(text, `a list bound needs exactly one key column, but ${keys.length} key types were given`);
      const values = raw.values.map((v, i) => {
        if (v.raw === 'minvalue' || v.raw === 'maxvalue') fail(text, `${v.raw.toUpperCase()} at character ${v.pos + 1} is only allowed in a range bound`);
        return toBoundValue(text, v, keys[0]!, `value ${i + 1}`);
      });
      return { kind: 'list', values };
    }
    case 'range': {
      const side = (values: RawValue[], name: 'FROM' | 'TO'): BoundValue[] => {
        if (values.length !== keys.length) {
          fail(text, `${name} has ${values.length} value${values.length === 1 ? '' : 's'} but the key has ${keys.length} column${keys.length === 1 ? '' : 's'}`);
        }
        return values.map((v, i) => {
          if (v.raw === 'null') fail(text, `NULL at character ${v.pos + 1} is not allowed in a range bound`);
          return toBoundValue(text, v, keys[i]!, `${name} column ${i + 1}`);
        });
      };
      return { kind: 'range', from: side(raw.from, 'FROM'), to: side(raw.to, 'TO') };
    }
  }
}

// ---------------------------------------------------------------------------
// Comparing bounds
// ---------------------------------------------------------------------------
