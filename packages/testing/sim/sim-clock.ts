import type { Clock } from '@election/core';

interface Timer {
  readonly due: number;
  readonly order: number;
  readonly fn: () => void;
}

/** Drains every queued promise job: one macrotask turn runs the whole microtask queue. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The simulation's one clock. Time moves only in `advance`, which fires due timers in order, each
 * at its own instant, and lets promise jobs settle after each one (so a timer's async follow-up
 * runs at the instant it belongs to). `afterTimer` runs after every timer: the invariant checker.
 */
export class SimClock implements Clock {
  #now = 0;
  #order = 0;
  readonly #timers = new Map<number, Timer>();
  afterTimer: () => void = () => {};

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const key = this.#order++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#timers.set(key, { due: this.#now + delay, order: key, fn });
    return () => {
      this.#timers.delete(key);
    };
  }

  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (let next = this.#earliest(target); next !== undefined; next = this.#earliest(target)) {
      const [key, timer] = next;
      this.#timers.delete(key);
      this.#now = Math.max(this.#now, timer.due);
      timer.fn();
      await settle();
      this.afterTimer();
    }
    this.#now = target;
  }

  pending(): number {
    return this.#timers.size;
  }

  #earliest(limit: number): [number, Timer] | undefined {
    let best: [number, Timer] | undefined;
    for (const entry of this.#timers) {
      const timer = entry[1];
      if (timer.due > limit) continue;
      if (!best || timer.due < best[1].due || (timer.due === best[1].due && timer.order < best[1].order))
        best = entry;
    }
    return best;
  }
}
