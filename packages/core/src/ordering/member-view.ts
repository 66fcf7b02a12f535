import type { Member, MemberComparator } from '../contracts/member.js';
import { compareIds, compareMembers } from './compare.js';
import {
  buildRanked,
  firstRanked,
  insertRanked,
  type RankNode,
  rankedToArray,
  removeRanked,
} from './rank-tree.js';

/** An immutable version of the membership in election order; `toArray()` walks it once and caches. */
export class RankedMembers {
  readonly #root: RankNode | null;
  readonly size: number;
  #array: readonly Member[] | undefined;

  constructor(root: RankNode | null, size: number) {
    this.#root = root;
    this.size = size;
  }

  toArray(): readonly Member[] {
    this.#array ??= Object.freeze(rankedToArray(this.#root));
    return this.#array;
  }
}

/**
 * One node's view of the live members. A map finds a member by id; a persistent treap keeps them in
 * display order (electable members by the election comparator, then observers by id). A change
 * costs O(log n), the leader is the first node (O(log n)), and `ranked()` hands out the current
 * version in O(1): a snapshot holds it while the view moves on, with no copy and no sort.
 */
export class MemberView {
  readonly #order: MemberComparator;
  readonly #byId = new Map<string, Member>();
  readonly #random: () => number;
  #root: RankNode | null = null;
  #version = 0;
  #ranked: RankedMembers | undefined;

  constructor(compare: MemberComparator = compareMembers, random: () => number = Math.random) {
    // Observers after everyone electable, so the first node is the leader unless it is an observer.
    this.#order = (a, b) => {
      if (Boolean(a.observer) !== Boolean(b.observer)) return a.observer ? 1 : -1;
      const rank = a.observer ? compareIds(a.id, b.id) : compare(a, b);
      return rank !== 0 ? rank : compareIds(a.id, b.id);
    };
    this.#random = random;
  }

  /** Bumped by every change; cheap to compare. */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): Member | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** The member the election rule picks from this view. */
  leader(): Member | undefined {
    const first = firstRanked(this.#root);
    return first?.observer ? undefined : first;
  }

  /** The member the election rule picks if `id` were not in the view (O(1) unless `id` leads). */
  leaderExcept(id: string): Member | undefined {
    const first = this.leader();
    if (first?.id !== id) return first;
    const next = this.sorted()[1];
    return next?.observer ? undefined : next;
  }

  /** Adds or replaces a member. */
  put(member: Member): void {
    const previous = this.#byId.get(member.id);
    if (previous) this.#root = removeRanked(this.#root, previous, this.#order);
    this.#byId.set(member.id, member);
    this.#root = insertRanked(this.#root, member, this.#order, this.#random());
    this.#changed();
  }

  /** Removes a member; returns whether it was there. */
  delete(id: string): boolean {
    const previous = this.#byId.get(id);
    if (!previous) return false;
    this.#byId.delete(id);
    this.#root = removeRanked(this.#root, previous, this.#order);
    this.#changed();
    return true;
  }

  /** Replaces the whole view: one sort, then an O(n) build. */
  reset(members: Iterable<Member>): void {
    this.#byId.clear();
    for (const member of members) this.#byId.set(member.id, member);
    this.#root = buildRanked([...this.#byId.values()].sort(this.#order), this.#random);
    this.#changed();
  }

  /** The current version, immutable; O(1). */
  ranked(): RankedMembers {
    this.#ranked ??= new RankedMembers(this.#root, this.#byId.size);
    return this.#ranked;
  }

  /** Members in election order (electable by rank, then observers by id). */
  sorted(): readonly Member[] {
    return this.ranked().toArray();
  }

  #changed(): void {
    this.#version++;
    this.#ranked = undefined;
  }
}
