import type { Member, MemberComparator } from '../contracts/member.js';

/**
 * A persistent (immutable) treap of members in rank order. Every change copies only the O(log n)
 * nodes on its path and returns a new root, so any number of snapshots can keep their own version
 * of the membership for free: nothing is sorted or copied when the view moves on.
 */
export interface RankNode {
  readonly member: Member;
  /** Heap priority: random, so the tree stays balanced in expectation whatever the insert order. */
  readonly weight: number;
  readonly left: RankNode | null;
  readonly right: RankNode | null;
}

type Split = [RankNode | null, RankNode | null];

/** Nodes ranking before `key` on the left, the rest (key included) on the right. */
function split(node: RankNode | null, key: Member, compare: MemberComparator): Split {
  if (node === null) return [null, null];
  if (compare(node.member, key) < 0) {
    const [less, rest] = split(node.right, key, compare);
    return [{ ...node, right: less }, rest];
  }
  const [less, rest] = split(node.left, key, compare);
  return [less, { ...node, left: rest }];
}

/** Joins two trees where everything in `a` ranks before everything in `b`. */
function merge(a: RankNode | null, b: RankNode | null): RankNode | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.weight > b.weight) return { ...a, right: merge(a.right, b) };
  return { ...b, left: merge(a, b.left) };
}

function withoutFirst(node: RankNode): RankNode | null {
  return node.left === null ? node.right : { ...node, left: withoutFirst(node.left) };
}

export function insertRanked(
  root: RankNode | null,
  member: Member,
  compare: MemberComparator,
  weight: number,
): RankNode {
  const [less, rest] = split(root, member, compare);
  return merge(merge(less, { member, weight, left: null, right: null }), rest)!;
}

/** Removes `member` (which must be in the tree, found by the comparator). */
export function removeRanked(
  root: RankNode | null,
  member: Member,
  compare: MemberComparator,
): RankNode | null {
  const [less, rest] = split(root, member, compare);
  return merge(less, rest === null ? null : withoutFirst(rest));
}

/** Builds a tree from members already in rank order, in O(n) (a Cartesian tree on random weights). */
export function buildRanked(sorted: readonly Member[], random: () => number): RankNode | null {
  type Draft = { member: Member; weight: number; left: Draft | null; right: Draft | null };
  const stack: Draft[] = [];
  for (const member of sorted) {
    const draft: Draft = { member, weight: random(), left: null, right: null };
    let last: Draft | null = null;
    while (stack.length > 0 && stack[stack.length - 1]!.weight < draft.weight) last = stack.pop()!;
    draft.left = last;
    if (stack.length > 0) stack[stack.length - 1]!.right = draft;
    stack.push(draft);
  }
  return stack[0] ?? null;
}

export function firstRanked(root: RankNode | null): Member | undefined {
  let node = root;
  while (node?.left) node = node.left;
  return node?.member;
}

/** In-order walk into an array, without recursion (a skewed tree must not overflow the stack). */
export function rankedToArray(root: RankNode | null): Member[] {
  const out: Member[] = [];
  const stack: RankNode[] = [];
  let node = root;
  while (node !== null || stack.length > 0) {
    while (node !== null) {
      stack.push(node);
      node = node.left;
    }
    const next = stack.pop()!;
    out.push(next.member);
    node = next.right;
  }
  return out;
}
