/**
 * The threshold rule for one member, kept pure so it is tested without timers or sockets.
 *
 * The first probe result decides the initial state on its own: waiting for `successThreshold`
 * successes before a healthy peer counts would make every starting node see itself alone and lead
 * for a few intervals. After that a state flips only after `failureThreshold` consecutive failures
 * (alive → dead) or `successThreshold` consecutive successes (dead → alive), so one lost probe does
 * not move leadership.
 */
export interface LivenessTracker {
  /** null until the first probe result. */
  readonly alive: boolean | null;
  /** Records one probe result; returns true when `alive` changed (including the first result). */
  record(success: boolean): boolean;
}

export function createLivenessTracker(failureThreshold: number, successThreshold: number): LivenessTracker {
  let alive: boolean | null = null;
  // Consecutive results that disagree with the current state.
  let streak = 0;
  return {
    get alive() {
      return alive;
    },
    record(success) {
      if (alive === null) {
        alive = success;
        return true;
      }
      if (success === alive) {
        streak = 0;
        return false;
      }
      streak += 1;
      if (streak < (alive ? failureThreshold : successThreshold)) return false;
      alive = success;
      streak = 0;
      return true;
    },
  };
}
