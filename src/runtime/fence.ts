/** The NOT VALID check that keeps a range out of the default partition while a partition for it is attached. */
export const FENCE_CONSTRAINT = 'drizzle_partitions_fence';
