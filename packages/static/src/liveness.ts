/**
 * The threshold rule for one member, kept pure so it is tested without timers or sockets.
 *
 * The first probe result decides the initial state on its own: waiting for `successThreshold`
 * successes before a healthy peer counts would make every starting node see itself alone and lead
 * for a few intervals. After that a state flips only after `failureThreshold` consecutive failures
 * (alive → dead) or `successThreshold` consecutive successes (dead → alive), so one lost probe does
 * not move leadership.
 */
export class LivenessTracker {
  readonly #failureThreshold: number;
  readonly #successThreshold: number;
  #alive: boolean | null = null;
  /** Consecutive results that disagree with the current state. */
  #streak = 0;

  constructor(failureThreshold: number, successThreshold: number) {
    this.#failureThreshold = failureThreshold;
    this.#successThreshold = successThreshold;
  }

  /** null until the first probe result. */
  get alive(): boolean | null {
    return this.#alive;
  }

  /** Records one probe result; returns true when `alive` changed (including the first result). */
  record(success: boolean): boolean {
    if (this.#alive === null) {
      this.#alive = success;
      return true;
    }
    if (success === this.#alive) {
      this.#streak = 0;
      return false;
    }
    this.#streak += 1;
    if (this.#streak < (this.#alive ? this.#failureThreshold : this.#successThreshold)) return false;
    this.#alive = success;
    this.#streak = 0;
    return true;
  }
}

/** A tracker for one member (the function form the tests and the prober use). */
export function createLivenessTracker(failureThreshold: number, successThreshold: number): LivenessTracker {
  return new LivenessTracker(failureThreshold, successThreshold);
}
