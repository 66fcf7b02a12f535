/**
 * Counts, over many electors in one process, who each believes leads, in O(1) per change, and
 * says when all of them name the same (non-null) leader.
 */
export class AgreementTracker {
  private readonly believed = new Map<string, string | null>();
  private readonly votes = new Map<string | null, number>();
  private lastAgreed: string | null = null;
  private sealed = false;

  constructor(private readonly onAgree: (leaderId: string) => void) {}

  /** Elector `member` now names `leaderId` as leader. */
  set(member: string, leaderId: string | null): void {
    if (this.believed.has(member)) this.vote(this.believed.get(member) ?? null, -1);
    this.believed.set(member, leaderId);
    this.vote(leaderId, 1);
    this.check(leaderId);
  }

  /** All members are in: from now on agreement is reported (and checked once right away). */
  seal(): void {
    this.sealed = true;
    for (const candidate of [...this.votes.keys()]) this.check(candidate);
  }

  /** Elector `member` left this process: it no longer counts. */
  remove(member: string): void {
    if (!this.believed.has(member)) return;
    const leaderId = this.believed.get(member) ?? null;
    this.believed.delete(member);
    this.vote(leaderId, -1);
    for (const candidate of [...this.votes.keys()]) this.check(candidate);
  }

  private vote(leaderId: string | null, delta: number): void {
    const count = (this.votes.get(leaderId) ?? 0) + delta;
    if (count === 0) this.votes.delete(leaderId);
    else this.votes.set(leaderId, count);
  }

  private check(leaderId: string | null): void {
    if (!this.sealed || leaderId === null || leaderId === this.lastAgreed || this.believed.size === 0) return;
    if (this.votes.get(leaderId) === this.believed.size) {
      this.lastAgreed = leaderId;
      this.onAgree(leaderId);
    }
  }
}
