/**
 * Names for the partitions the runtime creates. The readable name comes first
 * (`events_p20260101`, `tenants_acme`); when an unrelated table already has it, or
 * it is longer than PostgreSQL's 63 bytes, the fallback is the name cut short and
 * suffixed with a hash of the partition's key, which stays the same from run to run.
 */
import { createHash } from 'node:crypto';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/quote.js';

/**
 * `base` cut to fit and suffixed with 8 hex digits of the hash of `key`.
 *
 * @example
 * ```ts
 * hashedName('tenants_acme', 'acme'); // 'tenants_acme_<8 hex digits>'
 * ```
 */
export function hashedName(base: string, key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  let cut = base;
  while (identifierBytes(`${cut}_${hash}`) > MAX_IDENTIFIER_BYTES) cut = cut.slice(0, -1);
  return `${cut}_${hash}`;
}

/** A relation that already has a candidate name. */
export interface ExistingRelation {
  /** Attached as a partition (of any table). */
  attached: boolean;
  /** Marked by maintenance as one of its own. */
  managed: boolean;
}

/** The name chosen for a new partition, or why none could be. */
export type NameChoice = { name: string; resume: boolean } | { taken: string[] };

/**
 * The first of `candidates` that is free, or that is an unattached table of ours
 * (a creation an earlier run left halfway: resume it); `{ taken }` when every
 * candidate belongs to something else.
 *
 * @example
 * ```ts
 * choosePartitionName(['events_p20260101', hashedName('events_p20260101', '2026-01-01')], existing);
 * ```
 */
export function choosePartitionName(candidates: readonly string[], existing: ReadonlyMap<string, ExistingRelation>): NameChoice {
  for (const name of candidates) {
    if (identifierBytes(name) > MAX_IDENTIFIER_BYTES) continue;
    const found = existing.get(name);
    if (!found) return { name, resume: false };
    if (!found.attached && found.managed) return { name, resume: true };
  }
  return { taken: [...candidates] };
}
