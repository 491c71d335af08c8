/**
 * Every error code the package can throw appears in a test (issue "Every error
 * code appears in a test"). A static check, no database: it reads src/ and test/
 * as text.
 *
 * The codes of src/ are collected from
 *   - the code unions: `type DefinitionErrorCode = | 'X' | ...` (src/errors.ts),
 *     `ConfigErrorCode` and `PostprocessErrorCode` (all in src/errors.ts), and
 *     `declare readonly code: 'X' | 'Y'` (QuotingError);
 *   - the first argument of every `new <Name>Error(`, `super(` and `fail(` call
 *     under src/ (a `.fail(` method call is not one), whether it is a literal
 *     `'X'`, a conditional `c ? 'X' : 'Y'`, or an identifier declared in the
 *     same file as `const <id> = ...'X'...;` or annotated `<id>: 'X' | 'Y'`.
 *     That covers `new PostprocessError('X', ...)`, `new DrizzlePartitionsError(\n 'X',`
 *     spread over lines, `fail('X', ctx, ...)` of the schema checks, `super('LOCK_TIMEOUT', ...)`,
 *     `const CODE = 'BOUND_UNPARSEABLE'` and `readJson(path, code: 'A' | 'B')`.
 * Codes that are not this package's to throw are not collected: SQLSTATE-like codes
 * of other libraries it compares against (`MODULE_NOT_FOUND`, postgres.js's
 * `CONNECTION_CLOSED`, ...) and the `NEEDS_WINDOW` of a skipped step result (a
 * result, never thrown).
 *
 * A code counts as tested when it occurs as a whole word inside a string literal
 * (quotes, double quotes or a template) of a `.ts` file under test/ other than this
 * one: `code: 'X'`, `'[X]'` in expected stderr, `toThrow('X')`. Comments do not count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');
const TEST = join(ROOT, 'test');
const SELF = fileURLToPath(import.meta.url);

/**
 * Codes no test makes happen, each with the reason. An entry must name a code
 * src/ still has, and must go once a test mentions the code.
 */
const ALLOWED_UNTESTED: Record<string, string> = {};

const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const CODE_WORD = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;

/** Every `.ts` file under `dir`. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) out.push(...tsFiles(p));
    } else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

/**
 * Splits TypeScript text into `code` (comments blanked out, strings kept) and the
 * contents of its string literals (the literal text of templates, `${}` parts
 * scanned as code). Regular-expression literals are read as code; a quote in one
 * opens a string that ends at the line's end at the latest, which is all a
 * one-line regex can disturb.
 */
function lex(text: string): { code: string; strings: string[] } {
  let code = '';
  const strings: string[] = [];
  const braces: number[] = []; // for each open `${`: the brace depth inside it
  let i = 0;
  const readQuoted = (q: string) => {
    let s = '';
    code += q;
    i++;
    while (i < text.length && text[i] !== q && text[i] !== '\n') {
      if (text[i] === '\\') {
        s += text.slice(i, i + 2);
        code += text.slice(i, i + 2);
        i += 2;
        continue;
      }
      s += text[i];
      code += text[i];
      i++;
    }
    if (text[i] === q) {
      code += q;
      i++;
    }
    strings.push(s);
  };
  /** Reads template text from i (just past "`" or "}") up to "`" or "${". */
  const readTemplate = () => {
    let s = '';
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\\') {
        s += text.slice(i, i + 2);
        code += text.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        code += c;
        i++;
        break;
      } else if (c === '$' && text[i + 1] === '{') {
        code += '${';
        i += 2;
        braces.push(0);
        break;
      } else {
        s += c;
        code += c;
        i++;
      }
    }
    strings.push(s);
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      code += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"') {
      readQuoted(c);
    } else if (c === '`') {
      code += c;
      i++;
      readTemplate();
    } else if (c === '{' && braces.length > 0) {
      braces[braces.length - 1]!++;
      code += c;
      i++;
    } else if (c === '}' && braces.length > 0) {
      code += c;
      i++;
      if (braces[braces.length - 1] === 0) {
        braces.pop();
        readTemplate();
      } else braces[braces.length - 1]!--;
    } else {
      code += c;
      i++;
    }
  }
  return { code, strings };
}

/** The `'X'` code literals in a piece of code. */
function literalCodes(code: string): string[] {
  return [...code.matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!).filter((c) => CODE.test(c));
}

/** The text of the first argument of the call whose `(` is at `open`. */
function firstArgument(code: string, open: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let j = open + 1; j < code.length; j++) {
    const c = code[j]!;
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return code.slice(open + 1, j);
      depth--;
    } else if (c === ',' && depth === 0) return code.slice(open + 1, j);
  }
  return code.slice(open + 1);
}

type Origin = 'union' | 'call' | 'identifier';

/** Every code src/ can throw, with where each was found. */
function sourceCodes(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const add = (codes: readonly string[], where: string) => {
    for (const c of codes) {
      if (!found.has(c)) found.set(c, new Set());
      found.get(c)!.add(where);
    }
  };
  const originOf = new Map<Origin, number>([['union', 0], ['call', 0], ['identifier', 0]]);
  const count = (o: Origin, n: number) => originOf.set(o, originOf.get(o)! + n);

  for (const file of tsFiles(SRC)) {
    const rel = relative(ROOT, file);
    const { code } = lex(readFileSync(file, 'utf8'));
    // code unions and the declared code of an error class
    for (const m of code.matchAll(/\btype\s+\w*Code\s*=([^;]*);|\bdeclare\s+readonly\s+code\s*:([^;]*);/g)) {
      const codes = literalCodes(m[1] ?? m[2] ?? '');
      add(codes, `${rel} (union)`);
      count('union', codes.length);
    }
    // new XError(<code>, ...), super(<code>, ...), fail(<code>, ...)
    for (const m of code.matchAll(/(?:\bnew\s+[A-Za-z_$][\w$]*Error|\bsuper|(?<![\w$.])fail)\s*\(/g)) {
      const arg = firstArgument(code, m.index! + m[0].length - 1).trim();
      const direct = literalCodes(arg);
      add(direct, `${rel} (${m[0].replace(/\s+/g, ' ')}...)`);
      count('call', direct.length);
      const ident = /^[A-Za-z_$][\w$]*$/.exec(arg)?.[0];
      if (!ident) continue;
      // an identifier: its `const` in this file, or a parameter typed with a literal union
      const decl = new RegExp(String.raw`\b(?:const|let)\s+${ident}\s*=([^;]*);|[(,]\s*${ident}\s*:\s*((?:'[A-Z0-9_]+'\s*\|?\s*)+)`, 'g');
      for (const d of code.matchAll(decl)) {
        const codes = literalCodes(d[1] ?? d[2] ?? '');
        add(codes, `${rel} (${ident})`);
        count('identifier', codes.length);
      }
    }
  }
  for (const [o, n] of originOf) if (n === 0) throw new Error(`no code found by the ${o} pattern: the scan of src/ is broken`);
  return found;
}

/** Every code-shaped word inside the string literals of test/ (this file aside), with a file that has it. */
function testedCodes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of tsFiles(TEST)) {
    if (file === SELF) continue;
    for (const s of lex(readFileSync(file, 'utf8')).strings) {
      for (const [w] of s.matchAll(CODE_WORD)) if (!found.has(w)) found.set(w, relative(ROOT, file));
    }
  }
  return found;
}

describe('every error code appears in a test', () => {
  const source = sourceCodes();
  const tested = testedCodes();

  it('the scan of src/ finds each way a code is thrown', () => {
    // a literal on the line of the call
    expect(source.get('SUBPARTITION_CHANGED')).toBeDefined();
    // the code on the line after `new DrizzlePartitionsError(`
    expect(source.get('DATABASE_UNSUPPORTED')).toBeDefined();
    // a conditional first argument spread over lines (src/schema/uniqueness.ts)
    expect(source.get('PRIMARY_KEY_MISSING_KEY_COLUMN')).toBeDefined();
    // fail('X', ...) of the schema checks
    expect([...source.get('POLICY_INVALID') ?? []].some((w) => w.includes('resolve-policy.ts'))).toBe(true);
    // super('X', ...)
    expect(source.get('LOCK_TIMEOUT')).toBeDefined();
    // const CODE = 'X'; new DrizzlePartitionsError(CODE, ...)
    expect(source.get('BOUND_UNPARSEABLE')).toBeDefined();
    // const code = ... ? 'X' : 'Y'; fail(code, ...)
    expect([...source.get('NAME_INVALID') ?? []].some((w) => w.includes('resolve.ts (code)'))).toBe(true);
    // readJson(path, code: 'A' | 'B') { new PostprocessError(code, ...) }
    expect([...source.get('JOURNAL_MALFORMED') ?? []].some((w) => w.includes('(code)'))).toBe(true);
    // not ours: compared against, or a step result
    for (const c of ['MODULE_NOT_FOUND', 'CONNECTION_CLOSED', 'CONNECT_TIMEOUT', 'NEEDS_WINDOW']) expect(source.has(c), c).toBe(false);
    // every member of the unions is there
    for (const c of ['NAME_TOO_LONG', 'CONFIG_NOT_FOUND', 'NO_MIGRATIONS', 'IDENTIFIER_EMPTY']) expect(source.has(c), c).toBe(true);
  });

  it('each code src/ can throw is made to happen by a test, or is allowed with a reason', () => {
    const missing = [...source.keys()].filter((c) => !tested.has(c) && !(c in ALLOWED_UNTESTED)).sort();
    const where = missing.map((c) => `  ${c}  (thrown in ${[...source.get(c)!].join(', ')})`).join('\n');
    expect(missing, `error codes that no test under test/ mentions:\n${where}`).toEqual([]);
  });

  it('the allow-list is current: each entry is a code of src/ that no test mentions yet, with a reason', () => {
    for (const [code, reason] of Object.entries(ALLOWED_UNTESTED)) {
      expect(source.has(code), `${code} is allow-listed but src/ no longer throws it: remove it from ALLOWED_UNTESTED`).toBe(true);
      expect(tested.get(code), `${code} is allow-listed but ${tested.get(code)} mentions it: remove it from ALLOWED_UNTESTED`).toBeUndefined();
      expect(reason.length, `${code} needs a reason`).toBeGreaterThan(10);
    }
  });
});
