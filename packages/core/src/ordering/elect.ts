import type { Member, MemberComparator } from '../contracts/member.js';
import { compareMembers } from './compare.js';

export interface ElectOptions {
  /** Replaces the default order (priority, then UTF-8 id). */
  readonly compare?: MemberComparator;
}

/**
 * The election rule: the non-observer member that ranks first, or undefined when there is none.
 * One pass, no sort: O(n). On a tie the earlier member wins, so the result is deterministic for a
 * given input even with a comparator that ranks distinct members equal.
 */
export function elect<M extends Member>(members: Iterable<M>, options: ElectOptions = {}): M | undefined {
  const compare = options.compare ?? compareMembers;
  let best: M | undefined;
  for (const member of members) {
    if (member.observer) continue;
    if (best === undefined || compare(member, best) < 0) best = member;
  }
  return best;
}
