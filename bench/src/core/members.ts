import type { Member } from '@election/core';

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

/** Small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
