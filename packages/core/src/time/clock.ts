/**
 * Time as core sees it. Every deadline and timer goes through a Clock so that tests drive time by
 * hand (see `createManualClock` in @election/testing) and a paused process is simulated exactly.
 */
export interface Clock {
  /** Milliseconds; must never go backwards. */
  now(): number;
  /** Run `fn` once after `ms`; the returned function cancels it (harmless after it ran). */
  setTimer(fn: () => void, ms: number): () => void;
  /**
   * Optional: wall-clock milliseconds (`Date.now()`). A monotonic `now()` stops while the machine is
   * suspended (laptop sleep, a paused VM: Linux CLOCK_MONOTONIC); the wall clock keeps counting, and
   * may also be stepped either way. Deadlines use it only to be more careful: a deadline has passed
   * once either clock says so (see `elapsedSince`). A clock without it counts on `now()` alone.
   */
  wallNow?(): number;
}

/** One moment read from both clocks of a Clock (the wall one when it has one). */
export interface Instant {
  readonly at: number;
  readonly wallAt: number | undefined;
}

/**
 * How far the wall clock must run ahead of the monotonic one before it counts: less is rounding
 * (Date.now() has whole milliseconds) and NTP slew between renewals, not a suspend.
 */
export const WALL_SLACK_MS = 50;

export function instantOf(clock: Clock): Instant {
  return { at: clock.now(), wallAt: clock.wallNow?.() };
}

/**
 * How much more time the wall clock saw go by since `since` than the monotonic one: the time the
 * machine was suspended (or a forward step of the wall clock), else 0. A wall clock stepped back
 * says less, so it counts for nothing, and it hides a suspend that follows it from this reading
 * (fine for a deadline renewed every few seconds; WallCountdown keeps counting past a back step).
 */
export function wallLead(clock: Clock, since: Instant): number {
  const wallNow = clock.wallNow?.();
  if (wallNow === undefined || since.wallAt === undefined) return 0;
  const lead = wallNow - since.wallAt - (clock.now() - since.at);
  return lead > WALL_SLACK_MS ? lead : 0;
}

/**
 * The `now()` reading at which `durationMs` after `since` is over by both clocks: `since.at +
 * durationMs`, or earlier by the wall clock's lead (a suspend, or a forward step: a deadline may
 * end early, which is safe, never late).
 */
export function deadlineAfter(clock: Clock, since: Instant, durationMs: number): number {
  return since.at + durationMs - wallLead(clock, since);
}

/**
 * The wall clock's lead over the monotonic clock, counted from a reference point for as long as a
 * deadline lives, and kept: each reading folds a lead it sees (over WALL_SLACK_MS) into what was
 * counted and moves the reference point to the reading. A wall clock stepped back (the wall minus
 * monotonic offset shrank by more than the slack) also moves the reference point to the reading,
 * counting nothing and losing nothing counted before, so a suspend after the step still counts.
 * What no reading can tell apart: a back step and a suspend between the same two readings cancel
 * out (the larger one wins, less the other). Readers read at least every poll interval.
 */
export class WallCountdown {
  readonly #clock: Clock;
  #since: Instant;
  #counted = 0;

  constructor(clock: Clock, since: Instant = instantOf(clock)) {
    this.#clock = clock;
    this.#since = since;
  }

  /** The lead counted so far: never less than at the previous reading. */
  lead(): number {
    const wallNow = this.#clock.wallNow?.();
    if (wallNow === undefined || this.#since.wallAt === undefined) return this.#counted;
    const now = this.#clock.now();
    const lead = wallNow - this.#since.wallAt - (now - this.#since.at);
    if (lead > WALL_SLACK_MS || lead < -WALL_SLACK_MS) {
      if (lead > 0) this.#counted += lead;
      this.#since = { at: now, wallAt: wallNow };
    }
    return this.#counted;
  }

  /** The `now()` reading at which the monotonic `deadline` is over by both clocks. */
  deadline(deadline: number): number {
    return deadline - this.lead();
  }
}

/**
 * The real clock. `performance.timeOrigin + performance.now()` is monotonic (immune to wall-clock
 * steps) yet reads like epoch milliseconds, so records from several processes line up. It stops
 * while the machine is suspended, so `wallNow` (Date.now()) is there to notice a suspend.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  wallNow: () => Date.now(),
  setTimer(fn, ms) {
    // Node fires a timer over 2^31 - 1 ms at once; clamp it (callers re-check their deadline anyway).
    const handle = setTimeout(fn, Math.min(Math.max(0, ms), 2_147_483_647));
    return () => clearTimeout(handle);
  },
};

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
