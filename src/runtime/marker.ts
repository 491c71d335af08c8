/**
 * How this package marks the partitions its runtime creates and retires: a table
 * comment. Retention only ever retires partitions that carry one; the catalog stays
 * the only record (no state tables of our own).
 *
 * - `drizzle-partitions:managed {...}`: made by maintenance.
 * - `drizzle-partitions:retiring {...}`: being retired (written before the detach, so
 *   a run that stops between the detach and the drop or move leaves a table the next
 *   run recognises and finishes).
 * - `drizzle-partitions:retired {...}`: retired; never retired twice.
 */

/** Every managed partition's comment starts with this. */
export const MANAGED_COMMENT_PREFIX = 'drizzle-partitions:managed';
const RETIRING_COMMENT_PREFIX = 'drizzle-partitions:retiring';

/** The comment written on a partition created by maintenance. */
export function managedComment(details: { createdAt: Date; reason: string }): string {
  return `${MANAGED_COMMENT_PREFIX} ${JSON.stringify({ createdAt: details.createdAt.toISOString(), reason: details.reason })}`;
}

/** The comment written on a partition just before it is detached: `from` is its table, `schema.name`. */
export function retiringComment(details: { at: Date; action: string; from: string }): string {
  return `${RETIRING_COMMENT_PREFIX} ${JSON.stringify({ at: details.at.toISOString(), action: details.action, from: details.from })}`;
}

/** The comment a retired (detached or moved) partition keeps, so it is never retired twice. */
export function retiredComment(details: { at: Date; action: string; from: string }): string {
  return `drizzle-partitions:retired ${JSON.stringify({ at: details.at.toISOString(), action: details.action, from: details.from })}`;
}

/** The comment prefixes of the tables maintenance made (created, or being retired); the catalog query tests them with starts_with(). */
export const OURS_PREFIXES = [MANAGED_COMMENT_PREFIX, RETIRING_COMMENT_PREFIX] as const;

/** Whether maintenance made this table (created, or being retired). */
export function isOurs(comment: string | null | undefined): boolean {
  return !!comment && OURS_PREFIXES.some((prefix) => comment.startsWith(prefix));
}

/** Whether this is a table maintenance made and has not begun to retire (a half-made creation can be resumed). */
export function isManaged(comment: string | null | undefined): boolean {
  return !!comment && comment.startsWith(MANAGED_COMMENT_PREFIX);
}

/** The table `schema.name` a table marked `retiring` was being retired from. */
export function retiringFrom(comment: string | null | undefined): string | undefined {
  if (!comment?.startsWith(`${RETIRING_COMMENT_PREFIX} `)) return undefined;
  try {
    const from = (JSON.parse(comment.slice(RETIRING_COMMENT_PREFIX.length + 1)) as { from?: unknown }).from;
    return typeof from === 'string' ? from : undefined;
  } catch {
    return undefined;
  }
}

/** LIKE pattern of the comments of tables being retired. */
export const RETIRING_LIKE = `${RETIRING_COMMENT_PREFIX} %`;
