/**
 * Writes planned files so that none is ever left half-written: each goes to a
 * temporary file beside its target, then is renamed over it.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FileWrite } from './layout.js';

/**
 * Writes `writes` in order, each atomically. Earlier files stay written if a later
 * one fails; callers order writes so that a rerun converges (SQL before state).
 *
 * @example
 * ```ts
 * commitWrites([{ path: 'drizzle/0001_x.sql', content: sql }]);
 * ```
 */
export function commitWrites(writes: readonly FileWrite[]): void {
  for (const w of writes) {
    mkdirSync(dirname(w.path), { recursive: true });
    const tmp = `${w.path}.tmp-${process.pid}-${Date.now()}`;
    try {
      writeFileSync(tmp, w.content);
      renameSync(tmp, w.path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }
}
