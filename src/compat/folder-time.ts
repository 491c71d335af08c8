/**
 * The time at the start of a drizzle 1.0 migration folder's name
 * (`20260105093000_add_events`), in UTC, as each of drizzle's tools reads it. They
 * agree on every name drizzle-kit writes and differ only on malformed ones, so each
 * reader here keeps its tool's answer for those.
 */

/**
 * `ms` as a folder name's 14-digit prefix, as drizzle-kit 1.0 writes it.
 *
 * @example
 * ```ts
 * folderStamp(Date.UTC(2026, 0, 5, 9, 30)); // '20260105093000'
 * ```
 */
export function folderStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * drizzle-kit 1.0's `snapshotFolderTime`: the time a folder name starts with, 0 when
 * it starts with no 14 digits (the order `generate` and `check` use).
 *
 * @example
 * ```ts
 * kitFolderTime('20260105093000_add_events'); // 1767605400000
 * kitFolderTime('init'); // 0
 * ```
 */
export function kitFolderTime(folder: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(folder);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : 0;
}

/**
 * drizzle-orm 1.0's migrator (`formatToMillis` of the name's first 14 characters):
 * what it records as a migration's `created_at`; NaN on a malformed name, as there.
 *
 * @example
 * ```ts
 * ormFolderMillis('20260105093000_add_events'); // 1767605400000
 * ```
 */
export function ormFolderMillis(name: string): number {
  const n = (from: number, to: number) => Number.parseInt(name.slice(from, to), 10);
  return Date.UTC(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14));
}
