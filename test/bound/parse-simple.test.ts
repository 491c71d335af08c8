/**
 * The short path of parsePartitionBound (one range or one-value list of plain quoted
 * strings, and plain UTC dates and timestamps computed without the general parser)
 * gives exactly what the general path gives: the same values, and the same errors.
 * The general path is forced by a space inside the parentheses, which pg_get_expr
 * never prints and the tokenizer skips.
 */
import { describe, expect, it } from 'vitest';
import { parsePartitionBound, type ParseBoundKey } from '../../src/bound/parse.js';

const SHORT = (v: string) => `FOR VALUES IN ('${v}')`;
const GENERAL = (v: string) => `FOR VALUES IN ( '${v}')`;

function outcome(text: string, keys: ParseBoundKey[]): unknown {
  try {
    return parsePartitionBound(text, keys);
  } catch (e) {
    // the message quotes the text and a character position, which the added space moves
    return (e as Error).message.replace(/, in partition bound: .*$/s, '').replace(/character \d+/, 'character N');
  }
}

/** Every 997th day from 1000-01-01 to 9999-12-31, with a time of day that moves through the day. */
function sampleTimes(): string[] {
  const out: string[] = [];
  const first = Date.UTC(1000, 0, 1);
  const last = Date.UTC(9999, 11, 31);
  for (let ms = first, k = 0; ms <= last; ms += 997 * 86_400_000 + 3_601_000, k++) {
    const iso = new Date(ms).toISOString();
    out.push(iso.slice(0, 10), `${iso.slice(0, 10)} ${iso.slice(11, 19)}`, `${iso.slice(0, 10)} ${iso.slice(11, 19)}+00`);
  }
  return out;
}

const EDGES = [
  '2024-02-29', '2023-02-29', '1900-02-29', '2000-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00',
  '1000-01-01', '9999-12-31', '0999-12-31', '2026-1-01',
  '2026-01-01 00:00:00', '2026-01-01 23:59:59', '2026-01-01 24:00:00', '2026-01-01 23:60:00', '2026-01-01 23:59:60',
  '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+01', '2026-01-01 00:00:00-00', '2026-01-01T00:00:00+00',
  '1000-01-01 00:00:00+00', '9999-12-31 23:59:59+00', '2026-01-01 00:00:00.5+00', 'acme', '',
];

describe('the short path of parsePartitionBound', () => {
  const values = [...sampleTimes(), ...EDGES];
  for (const type of ['date', 'timestamp', 'timestamptz', 'text'] as const) {
    it(`gives what the general path gives for ${type} keys (${values.length} values)`, () => {
      let compared = 0;
      for (const v of values) {
        expect(outcome(SHORT(v), [{ type }]), v).toEqual(outcome(GENERAL(v), [{ type }]));
        compared++;
      }
      expect(compared).toBe(values.length);
    });
  }

  it('reads a daily range like the general path, both ends', () => {
    const text = "FOR VALUES FROM ('2026-03-27 00:00:00+00') TO ('2026-03-28 00:00:00+00')";
    const general = "FOR VALUES FROM ( '2026-03-27 00:00:00+00') TO ( '2026-03-28 00:00:00+00')";
    const bound = parsePartitionBound(text, [{ type: 'timestamptz' }]);
    expect(bound).toEqual(parsePartitionBound(general, [{ type: 'timestamptz' }]));
    expect(bound).toEqual({
      kind: 'range',
      from: [{ kind: 'timestamptz', text: '2026-03-27 00:00:00', ord: BigInt(Date.UTC(2026, 2, 27)) * 1000n }],
      to: [{ kind: 'timestamptz', text: '2026-03-28 00:00:00', ord: BigInt(Date.UTC(2026, 2, 28)) * 1000n }],
    });
  });

  it('leaves quotes, backslashes and two-column keys to the general path', () => {
    const text = (b: ReturnType<typeof parsePartitionBound>) => (b.kind === 'list' && 'text' in b.values[0]! ? b.values[0].text : undefined);
    expect(text(parsePartitionBound("FOR VALUES IN ('o''brien')", [{ type: 'text' }]))).toBe("o'brien");
    expect(text(parsePartitionBound("FOR VALUES IN ('a\\\\b')", [{ type: 'text' }], { standardConformingStrings: false }))).toBe('a\\b');
    expect(() => parsePartitionBound("FOR VALUES FROM ('1') TO ('2')", [{ type: 'integer' }, { type: 'integer' }])).toThrow(/FROM has 1 value but the key has 2 columns/);
  });
});
