/**
 * What a folder held before another tool wrote into it, and how to take back
 * exactly what that tool added: `generate` records the migrations folder before
 * drizzle-kit runs, and when the post-processor then refuses, removes drizzle-kit's
 * new files and puts the journal's bytes back, so that a refusal writes nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A folder as it was; {@link FolderSnapshot.restore} undoes what was added since. */
export interface FolderSnapshot {
  /**
   * Removes every file and folder that was not there when the snapshot was taken
   * (the folder itself, if it did not exist), and writes back the kept files whose
   * bytes changed. Nothing that existed is removed. Returns what it did, as paths
   * relative to the folder: the new entries removed (a new folder once, not its
   * contents; the folder's own entries when the folder itself was new, `folder` then
   * true) and the kept files written back.
   */
  restore(): { removed: string[]; restored: string[]; folder: boolean };
}

/** Every entry under `dir`, files and folders, as relative paths (symbolic links not followed). */
function entries(dir: string, rel = '', out = new Set<string>()): Set<string> {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    out.add(path);
    if (e.isDirectory()) entries(dir, path, out);
  }
  return out;
}

/**
 * Records what `dir` holds now: its entries, and the bytes of the files in `keep`
 * (paths relative to `dir`; those are the files a tool changes in place).
 *
 * @example
 * ```ts
 * const before = snapshotFolder('/app/drizzle', ['meta/_journal.json']);
 * await runDrizzleKit();
 * const { removed } = before.restore(); // ['0003_x.sql', 'meta/0003_snapshot.json']
 * ```
 */
export function snapshotFolder(dir: string, keep: readonly string[] = []): FolderSnapshot {
  const existed = existsSync(dir);
  const known = existed ? entries(dir) : new Set<string>();
  const bytes = new Map<string, Buffer>();
  for (const rel of keep) if (existsSync(join(dir, rel))) bytes.set(rel, readFileSync(join(dir, rel)));
  return {
    restore() {
      if (!existsSync(dir)) return { removed: [], restored: [], folder: false };
      if (!existed) {
        const removed = readdirSync(dir).sort();
        rmSync(dir, { recursive: true, force: true });
        return { removed, restored: [], folder: true };
      }
      // the kept files first: once the journal no longer names a migration, drizzle-kit does not see it
      const restored: string[] = [];
      for (const [rel, was] of bytes) {
        const path = join(dir, rel);
        if (existsSync(path) && readFileSync(path).equals(was)) continue;
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, was);
        restored.push(rel);
      }
      const removed: string[] = [];
      const walk = (rel: string) => {
        for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
          const path = rel ? `${rel}/${e.name}` : e.name;
          if (!known.has(path)) {
            rmSync(join(dir, path), { recursive: true, force: true });
            removed.push(path);
          } else if (e.isDirectory()) walk(path);
        }
      };
      walk('');
      return { removed: removed.sort(), restored, folder: false };
    },
  };
}
