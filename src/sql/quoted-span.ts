/**
 * Reading SQL text: where a quoted span (`'...'` or `"..."`, a doubled quote
 * inside it) that starts at an offset ends. Scanners that must leave string
 * literals and quoted names alone step over them with this.
 */

/**
 * The offset just past the quoted span starting at `start` (whose character is `'`
 * or `"`); the text's length when it is never closed.
 *
 * @example
 * ```ts
 * quotedSpanEnd(`'it''s' || x`, 0); // 7
 * ```
 */
export function quotedSpanEnd(text: string, start: number): number {
  const q = text[start];
  let j = start + 1;
  while (j < text.length && !(text[j] === q && text[j + 1] !== q)) j += text[j] === q ? 2 : 1;
  return Math.min(j + 1, text.length);
}
