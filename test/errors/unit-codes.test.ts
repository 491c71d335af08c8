/**
 * Error codes of the ground floor and the edges, made to happen without a
 * database: the quoting of identifiers and literals (QuotingError), the CLI's
 * choice of database and driver, and an executor on a client whose server does not
 * say its version. Each asserts the code and that the message names the value,
 * file or directory involved.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QuotingError } from '../../src/errors.js';
import { openDatabase, resolveUrl } from '../../src/cli/connect.js';
import { withExecutor } from '../../src/runtime/executor.js';
import { numericLiteral, quoteIdent, quoteLiteral, quoteQualified } from '../../src/sql/quote.js';
import { rejected, thrown } from '../support/errors.js';

describe('QuotingError codes', () => {
  it.each([
    ['IDENTIFIER_EMPTY', '', ['identifier ""', 'is empty']],
    ['IDENTIFIER_TOO_LONG', 'a'.repeat(64), [`"${'a'.repeat(64)}"`, '64 bytes']],
    ['IDENTIFIER_TOO_LONG', 'é'.repeat(32), ['64 bytes']],
    ['IDENTIFIER_INVALID', 'ev\0us', ['"ev\\u0000us"', 'NUL']],
  ])('%s: quoteIdent(%j)', (code, name, mentions) => {
    const e = thrown(() => quoteIdent(name));
    expect(e).toBeInstanceOf(QuotingError);
    expect(e.code).toBe(code);
    for (const m of mentions) expect(e.message).toContain(m);
  });

  it('IDENTIFIER_EMPTY: an empty schema of a qualified name', () => {
    const e = thrown(() => quoteQualified({ schema: '', name: 'events' }));
    expect(e.code).toBe('IDENTIFIER_EMPTY');
  });

  it.each([
    ['a string with a NUL character', () => quoteLiteral('o\0k'), ['"o\\u0000k"', 'NUL']],
    ['a value that is not a string', () => quoteLiteral(42 as unknown as string), ['literal 42', 'not a string']],
    ['NaN as a number', () => numericLiteral(Number.NaN), ['NaN', 'not a finite decimal number']],
    ['Infinity as a number', () => numericLiteral(Number.POSITIVE_INFINITY), ['Infinity']],
    ['a numeric string in exponent notation', () => numericLiteral('1e5'), ['1e5']],
  ])('LITERAL_INVALID: %s', (_what, fn, mentions) => {
    const e = thrown(fn);
    expect(e).toBeInstanceOf(QuotingError);
    expect(e.code).toBe('LITERAL_INVALID');
    for (const m of mentions) expect(e.message).toContain(m);
  });
});

describe('the CLI: which database, which driver', () => {
  let dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    dirs = [];
  });

  it('NO_DATABASE_URL: no --url, no DATABASE_URL, no dbCredentials.url', () => {
    for (const credentials of [undefined, {}, { url: '' }, { host: 'localhost' }]) {
      const e = thrown(() => resolveUrl(undefined, {}, credentials));
      expect(e.code).toBe('NO_DATABASE_URL');
      expect(e.message).toContain('no database to connect to');
      expect(e.hint).toContain('--url');
    }
    // any one of the three is enough
    expect(resolveUrl(undefined, {}, { url: 'postgres://config/db' })).toBe('postgres://config/db');
    expect(resolveUrl(undefined, { DATABASE_URL: 'postgres://env/db' }, { url: 'postgres://config/db' })).toBe('postgres://env/db');
  });

  it('NO_DRIVER: a project with neither postgres nor pg installed', async () => {
    const dir = mkdtempSync(join(realpathSync(tmpdir()), 'dp-no-driver-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'package.json'), '{ "name": "no-driver", "private": true }\n');
    const e = await rejected(openDatabase('postgres://localhost:1/none', dir));
    expect(e.code).toBe('NO_DRIVER');
    expect(e.message).toContain(`neither postgres (postgres.js) nor pg is installed in ${dir}`);
    expect(e.hint).toBe('npm install postgres');
  });
});

describe('the executor', () => {
  it('SERVER_VERSION_UNKNOWN: a client whose server does not report server_version_num', async () => {
    const sent: string[] = [];
    // a node-postgres Client as the executor sees one: connect() and query()
    const client = {
      connect: async () => undefined,
      query: async (text: string) => {
        sent.push(text);
        return { rows: text.includes('server_version_num') ? [{ v: 'devel' }] : [], command: 'SELECT' };
      },
    };
    const e = await rejected(withExecutor(client as never, (ex) => ex.serverVersionNum()));
    expect(e.code).toBe('SERVER_VERSION_UNKNOWN');
    expect(e.message).toContain('server_version_num');
    expect(sent.some((s) => s.includes('server_version_num'))).toBe(true);
  });
});

describe('codes of the other stages, without a database', () => {
  it('EXPRESSION_UNRENDERABLE: rendering a key expression that holds a placeholder (a checked definition never gets there)', async () => {
    const { sql } = await import('drizzle-orm');
    const { renderExpression } = await import('../../src/sql/expression.js');
    const e = thrown(() => renderExpression(sql`date_trunc('day', ${sql.placeholder('x')})`, () => 'at'));
    expect(e).toBeInstanceOf(QuotingError);
    expect(e.code).toBe('EXPRESSION_UNRENDERABLE');
    expect(e.message).toBe('[EXPRESSION_UNRENDERABLE] partition key expression contains a placeholder; a partition key cannot take parameters\n  fix: write the key expression with columns, literals and sql`` fragments only');
  });

  it('OPTION_INVALID: a step limit that is not a whole number of rows, named in the message', async () => {
    const { measureDefault } = await import('../../src/runtime/step-limits.js');
    const { RuntimeError } = await import('../../src/errors.js');
    const e = await rejected(measureDefault({} as never, null, { maxMoveRows: -1 }));
    expect(e).toBeInstanceOf(RuntimeError);
    expect(e.code).toBe('OPTION_INVALID');
    expect(e.message).toBe('[OPTION_INVALID] maxMoveRows must be a whole number of rows, at least 0 (got -1)');
  });

  it('every error writes its message as [CODE] sentence, with the fix on a line of its own', async () => {
    const { CliError, PostprocessError, RuntimeError } = await import('../../src/errors.js');
    expect(new RuntimeError('NAME_TAKEN', 'tables named a and b already exist', 'rename them').message).toBe('[NAME_TAKEN] tables named a and b already exist\n  fix: rename them');
    expect(new PostprocessError('KEY_CHANGED', '0001_next', 'the key changes').message).toBe('[KEY_CHANGED] 0001_next: the key changes');
    expect(new CliError('NO_DRIVER', 'no driver').message).toBe('[NO_DRIVER] no driver');
  });
});
