import { compareMembers, type Member } from '@election/core';

/**
 * The seed's rule, as the Rust code does it: copy the member list, sort it, take the first.
 * Uses core's own comparator, so the comparison with `elect` measures the algorithm, not the order.
 */
export function seedElect(members: readonly Member[]): Member | undefined {
  return [...members].sort(compareMembers)[0];
}
