import type { Elector, ElectorEvent } from '@election/core';

export interface Leadership {
  readonly id: string;
  readonly term: bigint | null;
  /** performance.now() when elected / demoted. */
  readonly electedAt: number;
  demotedAt?: number;
  demotedReason?: string;
}

/**
 * Watches in-process electors for the two safety properties every fault test asserts: at most
 * one leader at any moment (by their events, which one process sees in a total order, and by
 * sampling `state.isLeader`), and terms that strictly increase from one leadership to the next
 * (a leader that resumes after an outage with its lock intact may repeat its own term; nobody else).
 */
export class LeadershipMonitor {
  readonly history: Leadership[] = [];
  readonly violations: string[] = [];
  private readonly current = new Map<string, Leadership>();
  private readonly electors: Elector[] = [];
  private highestTerm: bigint | null = null;
  private lastElected: string | undefined;

  watch(elector: Elector): Elector {
    this.electors.push(elector);
    elector.subscribe((event) => this.onEvent(elector.id, event));
    return elector;
  }

  /** Electors whose state says they lead right now (reading state also applies the deadline). */
  leaders(): string[] {
    const leaders = this.electors.filter((elector) => elector.state.isLeader).map((elector) => elector.id);
    if (leaders.length > 1)
      this.violations.push(`sampled ${leaders.length} leaders at once: ${leaders.join(', ')}`);
    return leaders;
  }

  /** The leadership `id` holds now, if any. */
  leadershipOf(id: string): Leadership | undefined {
    return this.current.get(id);
  }

  /** The most recent leadership of `id`, current or ended. */
  lastLeadershipOf(id: string): Leadership | undefined {
    return this.history.filter((entry) => entry.id === id).at(-1);
  }

  private onEvent(id: string, event: ElectorEvent): void {
    const now = performance.now();
    if (event.type === 'elected') {
      if (this.current.size > 0) {
        this.violations.push(`${id} elected while ${[...this.current.keys()].join(', ')} still led`);
      }
      if (event.term !== null) {
        const resumed = this.lastElected === id && event.term === this.highestTerm;
        if (this.highestTerm !== null && event.term <= this.highestTerm && !resumed) {
          this.violations.push(`${id} elected with term ${event.term}, not above ${this.highestTerm}`);
        }
        this.highestTerm = event.term;
      }
      this.lastElected = id;
      const entry: Leadership = { id, term: event.term, electedAt: now };
      this.current.set(id, entry);
      this.history.push(entry);
    } else if (event.type === 'demoted') {
      const entry = this.current.get(id);
      if (entry) {
        entry.demotedAt = now;
        entry.demotedReason = event.reason;
      }
      this.current.delete(id);
    }
  }
}
