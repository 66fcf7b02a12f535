import type { Member } from '@election/core';
import { mulberry32 } from '@election/tools';

/**
 * `count` members with distinct, shuffled ids of the shape real nodes use ("node-<hex>"), plus a few
 * non-ASCII ids so the UTF-8 comparator takes its slow path now and then. Deterministic per seed.
 */
export function makeMembers(count: number, seed = 1): Member[] {
  const random = mulberry32(seed);
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const suffix = i % 997 === 0 ? `-é${i}` : '';
    members.push({
      id: `node-${Math.floor(random() * 0xffffffff)
        .toString(16)
        .padStart(8, '0')}-${i}${suffix}`,
    });
  }
  return members;
}
