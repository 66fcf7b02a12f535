import { type Clock, type Instant, instantOf, WallCountdown } from '../time/clock.js';

/**
 * A session's deadline as the elector reads it: the adapter's value, counted down by the wall
 * clock too, so a suspend ends it whatever the adapter.
 *
 * The contract counts a deadline from the renewal's send time on the monotonic clock, so a renewal
 * sent before a suspend and acknowledged after it must not hide the suspend: a value that moved is
 * counted from the last read if that read came at or before the send time (the value less the
 * TTL), else from when the previous value was first read (earlier still, to be safe). A session's
 * first value counts from when its join began. Either way a suspend between that read and the send
 * counts too: a renewal sent after a suspend and acknowledged before any read after waking may end
 * the lease early (safe; the leader's poll reads at least every min(1 s, TTL/10), and reads first
 * after waking).
 */
export class SessionDeadline {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  /** The value as last read, its countdown, and when it was first read. */
  #seen:
    | { readonly value: number; readonly countdown: WallCountdown; readonly firstRead: Instant }
    | undefined;
  #lastRead: Instant | undefined;

  constructor(clock: Clock, ttlMs: number) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  /** A new session, from a join that began at `joinStartedAt`. */
  reset(joinStartedAt: Instant | undefined): void {
    this.#seen = undefined;
    this.#lastRead = joinStartedAt;
  }

  /** The `now()` reading at which the session's deadline `value` (read now) is over by both clocks. */
  read(value: number): number {
    const now = instantOf(this.#clock);
    const seen = this.#seen;
    const lastRead = this.#lastRead;
    this.#lastRead = now;
    if (seen?.value === value) return seen.countdown.deadline(value);
    const sentAt = value - this.#ttlMs;
    const from =
      lastRead === undefined ? now : seen === undefined || lastRead.at <= sentAt ? lastRead : seen.firstRead;
    const countdown = new WallCountdown(this.#clock, from);
    this.#seen = { value, countdown, firstRead: now };
    return countdown.deadline(value);
  }
}
