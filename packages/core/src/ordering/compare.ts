import type { Member, MemberComparator } from '../contracts/member.js';

/**
 * Orders two ids as their UTF-8 bytes compare, the order Rust's `String::cmp` uses, so a mixed
 * Rust/TypeScript cluster elects the same leader. JS `<` compares UTF-16 code units instead and puts
 * U+E000..U+FFFF after astral characters (emoji, rare CJK), which UTF-8 does not. Remapping each
 * code unit so that surrogates sort above the rest of the BMP restores code-point order, which is
 * UTF-8 byte order, without encoding anything.
 */
export function compareIds(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** The default election order: lower `priority` first (default 0), then id in UTF-8 byte order. */
export const compareMembers: MemberComparator = (a, b) => {
  const byPriority = (a.priority ?? 0) - (b.priority ?? 0);
  return byPriority !== 0 ? byPriority : compareIds(a.id, b.id);
};

/** Sorts members the way an election ranks them: electable first in rank order, observers after by id. */
export function sortForDisplay(
  members: readonly Member[],
  compare: MemberComparator = compareMembers,
): Member[] {
  return [...members].sort((a, b) => {
    if (Boolean(a.observer) !== Boolean(b.observer)) return a.observer ? 1 : -1;
    return a.observer ? compareIds(a.id, b.id) : compare(a, b);
  });
}
