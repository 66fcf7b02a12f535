import type {
  AcknowledgedRenewal,
  LeaderLock,
  MembershipEvent,
  MembershipSession,
} from '../contracts/backend.js';
import type { Member, Unsubscribe } from '../contracts/member.js';
import { BackendUnavailableError, type ElectionError, SessionLostError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import type { ErrorMapper } from './adapter-error.js';
import { type RenewalOptions, type Renewer, startRenewals } from './renewals.js';
import { SessionLifecycle, type SessionLifecycleOptions } from './session-lifecycle.js';

/** The renewal loop's options, less what the skeleton wires itself. */
export interface SkeletonRenewals extends Omit<RenewalOptions, 'onLost' | 'onError' | 'logger' | 'clock'> {
  /** What a failed renewal could not do, for its error: "renew the session" (after "Could not"). */
  readonly action: string;
}

export interface SessionSkeletonOptions extends Omit<SessionLifecycleOptions, 'stop'> {
  /** The session's clock: the renewals and the leave's bound run on it. */
  readonly clock: Clock;
  /** The adapter's error mapper (createErrorMapper): a failed renewal is reported through it. */
  readonly mapError: ErrorMapper;
  /** The session's view of the election (an ElectionFeed): its `watchMembers` is the session's. */
  readonly feed: {
    watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe;
    start(): void;
    stop(): void;
  };
  readonly lock?: LeaderLock;
  /** The registration's renewals, started by `start()`. Absent for a backend without a TTL (static). */
  readonly renewals?: SkeletonRenewals;
  /** The deadline before the renewals start (and without them). Default: none (+∞). */
  readonly initialDeadline?: number;
  /** Keeps the backend's client open until the returned function is called (BackendLifecycle.hold). */
  readonly hold?: () => () => void;
  /** Stops with the session, besides the renewals and the feed: the adapter's own timers. */
  readonly stop?: () => void;
  /** The session stopped being active (lost, left or closed): the backend stops counting it. Once. */
  readonly ended?: () => void;
  /**
   * The registration may outlive this session: an active session closed, or a leave that failed.
   * The backend remembers it, so a later join can clear it at once.
   */
  readonly abandon?: () => void;
  /** A renewal answered that the registration is gone: the backend need not clear it. */
  readonly gone?: () => void;
  /**
   * What a graceful leave sends (release, deregister, revoke), from the state it ends
   * (`lost`: a keepLost session sends nothing then, etcd still revokes). Bounded: `signal` aborts
   * after `leaveTimeoutMs` with a BackendUnavailableError. A rejection abandons the registration
   * (see `abandon`) and reaches the caller of leave(), through `leaveError` when given.
   */
  readonly leave: (from: 'active' | 'lost', signal: AbortSignal) => Promise<void>;
  readonly leaveTimeoutMs: number;
  readonly leaveError?: (error: unknown) => Error;
  /** Rewrites the member record if the registration is still this session's; false when it is not. */
  readonly update?: (member: Member) => Promise<boolean>;
  /** update()'s guard. Default: `assertActive('update()')`. */
  readonly assertUpdatable?: (lifecycle: SessionLifecycle) => void;
  /** The SessionLostError message when update() finds the registration is not this session's. */
  readonly updateLost?: (member: Member) => string;
}

/**
 * The session every adapter re-derived around SessionLifecycle: the deadline and `onRenewal` from
 * the kit's renewal loop, `watchMembers` from the election feed, `onLost`/`onError`, one debug
 * line per error ridden out, the loss (the lifecycle first, then the adapter's clean-up, which
 * holds the backend's client until it settles), a leave bounded in time that abandons the
 * registration when it fails, a close that abandons an active one, and update() guarded by the
 * lifecycle. The adapter composes it from its primitives: it is the MembershipSession the backend
 * hands to core.
 */
export class SessionSkeleton implements MembershipSession {
  readonly lock?: LeaderLock;
  readonly lifecycle: SessionLifecycle;
  readonly #options: SessionSkeletonOptions;
  #renewer: Renewer | undefined;
  #started = false;

  constructor(options: SessionSkeletonOptions) {
    this.#options = options;
    if (options.lock !== undefined) this.lock = options.lock;
    this.lifecycle = new SessionLifecycle({
      ...options,
      stop: () => {
        this.#renewer?.stop();
        options.feed.stop();
        options.stop?.();
        options.ended?.();
      },
    });
  }

  /** Starts the renewals and the feed (once). */
  start(): void {
    if (this.#started || !this.lifecycle.active) return;
    this.#started = true;
    this.#options.feed.start();
    const renewals = this.#options.renewals;
    if (renewals === undefined) return;
    const { mapError, logger, gone } = this.#options;
    this.#renewer = startRenewals({
      ...renewals,
      clock: this.#options.clock,
      logger,
      onLost: (cause) => {
        gone?.();
        this.lose(cause);
      },
      onError: (error, retryInMs) => this.reportError(mapError(error, renewals.action, retryInMs)),
    });
  }

  deadline(): number {
    return this.#renewer?.deadline() ?? this.#options.initialDeadline ?? Number.POSITIVE_INFINITY;
  }

  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    return this.#options.feed.watchMembers(listener);
  }

  onLost(listener: (cause: Error) => void): Unsubscribe {
    return this.lifecycle.onLost(listener);
  }

  onError(listener: (error: Error) => void): Unsubscribe {
    return this.lifecycle.onError(listener);
  }

  onRenewal(listener: (renewal: AcknowledgedRenewal) => void): Unsubscribe {
    return this.#renewer?.onRenewal(listener) ?? (() => {});
  }

  /** Throws unless the session is active (see SessionLifecycle.assertActive). */
  assertActive(operation?: string): void {
    this.lifecycle.assertActive(operation);
  }

  /**
   * Trouble being ridden out (a failed renewal or read, retried). One debug line each, with the
   * stack: core turns onError into one warning per outage and a summary, not a line per retry.
   */
  reportError(error: ElectionError | Error): void {
    const code = (error as Partial<ElectionError>).code;
    this.#options.logger.debug({ code, err: error }, error.message);
    this.lifecycle.reportError(error);
  }

  /**
   * Lost for good: the lifecycle stops everything, then `cleanUp` runs (etcd revokes the lease,
   * Consul destroys the session, so a leader key frees now), with the client held until it
   * settles, then the `onLost` listeners hear it. Does nothing once the session is not active.
   */
  lose(cause: Error, cleanUp?: () => Promise<unknown>): boolean {
    const done = this.#hold(); // taken before ended(): the client stays open for the clean-up
    const lost = this.lifecycle.lose(cause, () => {
      // Info, not a warning: core reports the loss itself (one warning) when it hears onLost.
      const code = (cause as Partial<ElectionError>).code;
      this.#options.logger.info({ code }, cause.message);
      void (cleanUp?.() ?? Promise.resolve()).catch(() => undefined).finally(done);
    });
    if (!lost) done();
    return lost;
  }

  async update(member: Member): Promise<void> {
    const { update, assertUpdatable, updateLost, source } = this.#options;
    if (assertUpdatable !== undefined) assertUpdatable(this.lifecycle);
    else this.lifecycle.assertActive('update()');
    if (update !== undefined && !(await update(member))) {
      const message =
        updateLost?.(member) ?? `the registration of "${member.id}" is no longer this session's.`;
      throw new SessionLostError(message, { source });
    }
  }

  leave(): Promise<void> {
    return this.lifecycle.leave(() => this.#leave());
  }

  /** Walks away: an active registration is left to expire by TTL, remembered as abandoned. */
  close(): void {
    if (this.lifecycle.end('closed') === 'active') this.#options.abandon?.();
  }

  async #leave(): Promise<void> {
    const done = this.#hold(); // taken before ended(): the client stays open for the leave
    const from = this.lifecycle.end('left');
    if (from === undefined) {
      done();
      return;
    }
    const { leaveTimeoutMs, source } = this.#options;
    const bound = new AbortController();
    const cancel = this.#options.clock.setTimer(() => {
      bound.abort(new BackendUnavailableError(`leaving took longer than ${leaveTimeoutMs} ms`, { source }));
    }, leaveTimeoutMs);
    try {
      await this.#options.leave(from, bound.signal);
    } catch (error) {
      this.#options.abandon?.();
      throw this.#options.leaveError?.(error) ?? error;
    } finally {
      cancel();
      done();
    }
  }

  #hold(): () => void {
    return this.#options.hold?.() ?? (() => {});
  }
}
