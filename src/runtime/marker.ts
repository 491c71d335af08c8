/**
 * How this package marks the partitions its runtime creates: a table comment.
 * Retention only ever retires partitions that carry it; the catalog stays the
 * only record (no state tables of our own).
 */

/** Every managed partition's comment starts with this. */
export const MANAGED_COMMENT_PREFIX = 'drizzle-partitions:managed';

/** The comment written on a partition created by maintenance. */
export function managedComment(details: { createdAt: Date; reason: string }): string {
  return `${MANAGED_COMMENT_PREFIX} ${JSON.stringify({ createdAt: details.createdAt.toISOString(), reason: details.reason })}`;
}

/** The comment a retired (detached or moved) partition keeps, so it is never retired twice. */
export function retiredComment(details: { at: Date; action: string; from: string }): string {
  return `drizzle-partitions:retired ${JSON.stringify({ at: details.at.toISOString(), action: details.action, from: details.from })}`;
}
