/**
 * Tells drizzle-kit's two migration layouts apart the way drizzle-kit does: a
 * `meta/_journal.json` means 0.31's journal layout; folders holding
 * `snapshot.json` mean 1.0's folder-per-migration layout.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openFolderLayout } from './layout-folders.js';
import { JOURNAL_FILE, openJournalLayout } from './layout-journal.js';
import type { MigrationsLayout } from './layout.js';
import { PostprocessError } from '../errors.js';

/**
 * Opens the migrations folder `outDir` in whichever layout it has.
 *
 * @example
 * ```ts
 * const layout = openLayout('/app/drizzle', { prefix: 'index', breakpoints: true });
 * ```
 */
export function openLayout(outDir: string, opts: { prefix: string; breakpoints: boolean }): MigrationsLayout {
  if (existsSync(join(outDir, JOURNAL_FILE))) return openJournalLayout(outDir, opts);
  const folders = existsSync(outDir) ? readdirSync(outDir, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(outDir, d.name, 'snapshot.json'))) : [];
  if (folders.length > 0) return openFolderLayout(outDir);
  const stray = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.sql') || f === 'meta') : [];
  if (stray.length > 0) {
    throw new PostprocessError('JOURNAL_MISSING', join(outDir, JOURNAL_FILE), `does not exist, yet ${outDir} holds ${stray.join(', ')}`, 'restore meta/_journal.json from version control; drizzle-kit cannot run the migrations without it');
  }
  throw new PostprocessError('NO_MIGRATIONS', outDir, 'holds no drizzle-kit migrations (neither meta/_journal.json nor <folder>/snapshot.json)', 'run drizzle-kit generate (or drizzle-partitions generate) first');
}
