import type { Elector } from '@election/core';

export interface Election {
  readonly id: string;
  readonly term: bigint | null;
}

/**
 * Watches the safety invariants of confirmed mode across all electors of a test: never two
 * leaders at the same instant, and every new leadership's term greater than all before it. It
 * samples every elector after every event any of them emits and at every poll of a wait; a
 * violation is remembered and thrown at the next check, so the test fails with what was seen.
 */
export class SafetyMonitor {
  #violation: string | undefined;
  #sampling = false;
  readonly #elections: Election[] = [];

  readonly #confirmed: boolean;
  readonly #electors: () => readonly Elector[];

  constructor(confirmed: boolean, electors: () => readonly Elector[]) {
    this.#confirmed = confirmed;
    this.#electors = electors;
  }

  /** Every `elected` event in the order they happened, across electors. */
  get elected(): readonly Election[] {
    return this.#elections;
  }

  recordElected(id: string, term: bigint | null): void {
    const previous = this.#elections.at(-1);
    this.#elections.push({ id, term });
    if (!this.#confirmed) return;
    if (term === null) this.#fail(`${id} was elected in confirmed mode without a term (fencing token)`);
    else if (previous?.term != null && term <= previous.term) {
      this.#fail(
        `terms must strictly increase: ${id} was elected with term ${term} after ${previous.id} had term ${previous.term}`,
      );
    }
  }

  sample(where: string): void {
    if (!this.#confirmed || this.#sampling) return;
    // Reading state can emit events (a deadline demotion), which would sample again.
    this.#sampling = true;
    try {
      const leaders = this.#electors().filter((elector) => elector.state.isLeader);
      if (leaders.length > 1) {
        this.#fail(`two leaders at once (${leaders.map((e) => e.id).join(', ')}) ${where}`);
      }
    } finally {
      this.#sampling = false;
    }
  }

  /** Throws the first violation seen so far. */
  check(): void {
    if (this.#violation !== undefined) throw new Error(`Safety violated: ${this.#violation}`);
  }

  #fail(message: string): void {
    this.#violation ??= message;
  }
}
