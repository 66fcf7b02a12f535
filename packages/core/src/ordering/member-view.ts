import type { Member, MemberComparator } from '../contracts/member.js';
import { compareMembers, sortForDisplay } from './compare.js';

/**
 * One node's view of the live members, kept so that a membership change costs O(log n) and the
 * leader is read in O(1): every member sits in a map by id, and the electable ones (non-observers)
 * also sit in an indexed binary min-heap ordered by the election comparator. The full rank order is
 * only sorted when somebody asks for it, and cached until the next change.
 */
export class MemberView {
  readonly #compare: MemberComparator;
  readonly #byId = new Map<string, Member>();
  #heap: Member[] = [];
  readonly #position = new Map<string, number>();
  #version = 0;
  #sorted: { version: number; members: readonly Member[] } | undefined;

  constructor(compare: MemberComparator = compareMembers) {
    this.#compare = compare;
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

  /** The member the election rule picks from this view, in O(1). */
  leader(): Member | undefined {
    return this.#heap[0];
  }

  /** Adds or replaces a member. */
  put(member: Member): void {
    if (this.#byId.has(member.id)) this.#removeFromHeap(member.id);
    this.#byId.set(member.id, member);
    if (!member.observer) this.#insert(member);
    this.#version++;
  }

  /** Removes a member; returns whether it was there. */
  delete(id: string): boolean {
    if (!this.#byId.delete(id)) return false;
    this.#removeFromHeap(id);
    this.#version++;
    return true;
  }

  /** Replaces the whole view in O(n) (heapify, no sort). */
  reset(members: Iterable<Member>): void {
    this.#byId.clear();
    this.#position.clear();
    for (const member of members) this.#byId.set(member.id, member);
    this.#heap = [];
    for (const member of this.#byId.values()) {
      if (member.observer) continue;
      this.#position.set(member.id, this.#heap.length);
      this.#heap.push(member);
    }
    for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#siftDown(i);
    this.#version++;
  }

  /** Members in election order (electable by rank, then observers by id); O(n log n) once per version. */
  sorted(): readonly Member[] {
    if (this.#sorted?.version !== this.#version) {
      this.#sorted = {
        version: this.#version,
        members: Object.freeze(sortForDisplay([...this.#byId.values()], this.#compare)),
      };
    }
    return this.#sorted.members;
  }

  #insert(member: Member): void {
    this.#heap.push(member);
    this.#position.set(member.id, this.#heap.length - 1);
    this.#siftUp(this.#heap.length - 1);
  }

  #removeFromHeap(id: string): void {
    const index = this.#position.get(id);
    if (index === undefined) return;
    this.#position.delete(id);
    const last = this.#heap.pop()!;
    if (index === this.#heap.length) return;
    this.#heap[index] = last;
    this.#position.set(last.id, index);
    this.#siftDown(index);
    this.#siftUp(index);
  }

  #less(i: number, j: number): boolean {
    return this.#compare(this.#heap[i]!, this.#heap[j]!) < 0;
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i]!;
    const b = this.#heap[j]!;
    this.#heap[i] = b;
    this.#heap[j] = a;
    this.#position.set(b.id, i);
    this.#position.set(a.id, j);
  }

  #siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #siftDown(i: number): void {
    const n = this.#heap.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.#less(left, smallest)) smallest = left;
      if (right < n && this.#less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }
}
