import type { AcknowledgedRenewal } from '../contracts/backend.js';
import type { Unsubscribe } from '../contracts/member.js';
import { type Logger, silentLogger } from '../logger.js';
import { type Backoff, createBackoff } from '../time/backoff.js';
import { type Clock, deadlineAfter, type Instant, instantOf } from '../time/clock.js';
import { Listeners } from './listeners.js';

/** What one renewal round trip found out. */
export type RenewalOutcome =
  /** Acknowledged. `ttlMs`: what the backend granted, when it says (etcd does); default the TTL. */
  | { readonly alive: true; readonly ttlMs?: number }
  /** The backend says the registration is gone for good (expired, revoked, unknown). */
  | { readonly alive: false; readonly cause: Error };

export interface RenewalOptions {
  readonly ttlMs: number;
  readonly clock: Clock;
  /**
   * Send time (`clock.now()`) of the request that created the registration: its first acknowledged
   * "renewal". Its wall-clock time is taken as now's less the monotonic time since.
   */
  readonly startedAt: number;
  /** Time between renewals, counted from each acknowledged send time. Default TTL/3. */
  readonly intervalMs?: number;
  /** Upper bound on one renewal round trip; `renew` must give up by then. Default the interval. */
  readonly timeoutMs?: number;
  /**
   * Retry delays after a failed renewal: capped, jittered. Default 100 ms up to the interval.
   * `random` feeds the jitter (a fixed one makes a simulated backend deterministic).
   */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number; readonly random?: () => number };
  /**
   * One renewal round trip. Throwing (or rejecting) means "failed, retry"; `signal` aborts on stop.
   * Must settle within `timeoutMs`; one that does not is abandoned (and counted failed) shortly after.
   */
  renew(signal: AbortSignal, timeoutMs: number): Promise<RenewalOutcome>;
  /** The registration is gone for good; called at most once, after which nothing is renewed. */
  readonly onLost: (cause: Error) => void;
  /** A renewal failed and will be retried in `retryInMs`. */
  readonly onError: (error: unknown, retryInMs: number) => void;
  /** Where a `onRenewal` listener that throws is logged. Default silent. */
  readonly logger?: Logger;
}

export interface Renewer {
  /**
   * Clock time until which the registration is known alive: the send time of the last acknowledged
   * renewal plus the TTL (or the shorter TTL the backend granted). Moves forward with each
   * acknowledgement. With a clock that has `wallNow`, it also counts the time the wall clock saw go
   * by and the monotonic one did not (a suspend): it then moves back by that much (see clock.ts).
   */
  deadline(): number;
  /**
   * Every acknowledged renewal, as it is acknowledged: its send time and round trip. A session
   * implements `MembershipSession.onRenewal` by forwarding to this.
   */
  onRenewal(listener: (renewal: AcknowledgedRenewal) => void): Unsubscribe;
  stop(): void;
}

/**
 * The renewal loop every TTL-bound backend needs. The deadline moves only on an acknowledged
 * renewal and counts from when that request was sent: the backend restarted its timer no earlier.
 * Each round trip has its own timeout, so a hung renewal cannot delay the retry past the deadline.
 */
export function startRenewals(options: RenewalOptions): Renewer {
  return new RenewalLoop(options);
}

class RenewalLoop implements Renewer {
  readonly #options: RenewalOptions;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #retry: Backoff;
  readonly #controller = new AbortController();
  readonly #acknowledged: Listeners<AcknowledgedRenewal>;
  /** The send time, on both clocks, of the last acknowledged renewal, and the TTL it was granted. */
  #acked: Instant;
  #grantedMs: number;
  #cancelTimer: () => void = () => {};
  /** Cancels the bound on the renewal in flight: stop() must leave no timer behind. */
  #cancelBound: () => void = () => {};

  constructor(options: RenewalOptions) {
    this.#options = options;
    this.#acknowledged = new Listeners(options.logger ?? silentLogger, 'onRenewal');
    this.#intervalMs = options.intervalMs ?? options.ttlMs / 3;
    this.#timeoutMs = options.timeoutMs ?? this.#intervalMs;
    this.#retry = createBackoff({
      initialMs: options.retry?.initialMs ?? 100,
      maxMs: options.retry?.maxMs ?? this.#intervalMs,
      ...(options.retry?.random === undefined ? {} : { random: options.retry.random }),
    });
    // The join's send time was read on the monotonic clock only: its wall time is inferred from
    // now's, so a suspend between that send and now (one join round trip) is not counted here. The
    // elector counts it (it counts a session's first deadline from when the join began), and the
    // first renewal, TTL/3 later, reads both clocks at its send.
    const now = instantOf(options.clock);
    // Stryker disable next-line ConditionalExpression: equivalent (docs/mutation-testing.md): with no wall clock the NaN it gives is never read (wallLead is 0 without wallNow)
    const wallAt = now.wallAt === undefined ? undefined : now.wallAt - (now.at - options.startedAt);
    this.#acked = { at: options.startedAt, wallAt };
    this.#grantedMs = options.ttlMs;
    this.#schedule(Math.max(0, options.startedAt + this.#intervalMs - options.clock.now()));
  }

  deadline(): number {
    return deadlineAfter(this.#options.clock, this.#acked, this.#grantedMs);
  }

  onRenewal(listener: (renewal: AcknowledgedRenewal) => void): Unsubscribe {
    return this.#acknowledged.add(listener);
  }

  stop(): void {
    this.#controller.abort();
    this.#cancelTimer();
    this.#cancelBound();
    this.#acknowledged.clear();
  }

  /**
   * `renew` must give up by its timeout; if it does not, the loop does (a little later, so the
   * adapter's own timeout normally wins): a renewal that never settles must not stop the renewals.
   * Its late answer, if any, is ignored: it can only have been an older acknowledgement.
   */
  #bounded(renewal: Promise<RenewalOutcome>): Promise<RenewalOutcome> {
    const limitMs = this.#timeoutMs + Math.min(1000, this.#timeoutMs / 2);
    let cancel: () => void = () => {};
    const expired = new Promise<never>((_, reject) => {
      cancel = this.#options.clock.setTimer(
        () => reject(new Error(`the renewal did not settle within ${Math.round(limitMs)} ms`)),
        limitMs,
      );
    });
    this.#cancelBound = cancel;
    return Promise.race([renewal, expired]).finally(cancel);
  }

  #schedule(ms: number): void {
    if (this.#controller.signal.aborted) return;
    this.#cancelTimer = this.#options.clock.setTimer(() => {
      void this.#renewOnce();
    }, ms);
  }

  async #renewOnce(): Promise<void> {
    const { clock, ttlMs } = this.#options;
    const signal = this.#controller.signal;
    // Stryker disable next-line ConditionalExpression: equivalent (docs/mutation-testing.md): the only timer that calls this is cancelled by stop(), and a loss schedules none
    if (signal.aborted) return;
    const sent = instantOf(clock);
    const sentAt = sent.at;
    let outcome: RenewalOutcome;
    try {
      outcome = await this.#bounded(this.#options.renew(signal, this.#timeoutMs));
    } catch (error) {
      if (signal.aborted) return;
      const retryInMs = this.#retry.next();
      this.#options.onError(error, retryInMs);
      this.#schedule(retryInMs);
      return;
    }
    if (signal.aborted) return;
    if (!outcome.alive) {
      this.#controller.abort();
      this.#options.onLost(outcome.cause);
      return;
    }
    const grantedMs = Math.min(ttlMs, outcome.ttlMs ?? ttlMs);
    // Counted from the send time: the backend restarted its timer no earlier than that.
    if (sentAt + grantedMs > this.#acked.at + this.#grantedMs) {
      this.#acked = sent;
      this.#grantedMs = grantedMs;
    }
    this.#retry.reset();
    this.#schedule(Math.max(0, sentAt + this.#intervalMs - clock.now()));
    this.#acknowledged.emit({ sentAt, latencyMs: clock.now() - sentAt });
  }
}
