import type {
  AcknowledgedRenewal,
  LeaderLock,
  MembershipEvent,
  MembershipSession,
} from '../contracts/backend.js';
import type { Member, Unsubscribe } from '../contracts/member.js';
import { BackendUnavailableError, type ElectionError, SessionLostError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { acquireUnlessBlockerEnded, type LockAttempt } from './acquire-attempts.js';
import type { ErrorMapper } from './adapter-error.js';
import type { ElectionFeed } from './election-feed.js';
import { type RenewalOptions, type Renewer, startRenewals } from './renewals.js';
import { SessionLifecycle, type SessionLifecycleOptions } from './session-lifecycle.js';

/**
 * The compare-and-set calls of a backend's leader lock; the skeleton makes the LeaderLock of them.
 * Each maps its own failures to the adapter's errors.
 */
export interface LockCalls {
  /**
   * One try at the lock: its token, or, refused, the fencing token of the holding that blocked it.
   * The attempt is made again while the feed already showed that holding end (the contract's rule
   * for a null answer, acquireUnlessBlockerEnded); `undefined`: the feed will show what blocked it.
   */
  attempt(): Promise<LockAttempt<bigint | undefined>>;
  release(token: bigint): Promise<void>;
  transfer?(token: bigint, to: string): Promise<bigint | null>;
}

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
  /** The session's view of the election: its `watchMembers` is the session's, its holder the lock's. */
  readonly feed: Pick<ElectionFeed<never>, 'watchMembers' | 'watchHolder' | 'showedEnd' | 'start' | 'stop'>;
  /** The leader lock's backend calls, when the backend has a lock: see LockCalls. */
  readonly lock?: LockCalls;
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
  /** The backend said the registration is gone (a renewal, or a revocation, answered so). */
  readonly gone?: () => void;
  /**
   * Ends the registration at the backend, releasing what it holds (etcd: revoke the lease, which
   * deletes its keys; Consul: delete the keys it holds, then destroy the session). A graceful
   * leave sends it (`why`: 'leave'), bounded by `leaveTimeoutMs` (`signal` aborts then, and leave() settles
   * whether or not the request does); after a loss that may have left the registration alive
   * (`loseAlive`), it frees a lock that registration still holds. Resolves once the backend says
   * the registration is gone (an answer that it was already gone included).
   */
  readonly revoke: (why: 'leave' | 'loss', signal?: AbortSignal) => Promise<void>;
  /** What `revoke` could not do, for its error ("revoke etcd lease 1f"), after "Could not". */
  readonly revokeAction: string;
  /** A leave of a lost session revokes too (etcd: its lease may live on). Default: it sends nothing. */
  readonly revokeLost?: boolean;
  readonly leaveTimeoutMs: number;
  /**
   * A failed leave rejects with this (the registration expires by its TTL). Without it, a failed
   * leave is one warning, and leave() resolves.
   */
  readonly leaveError?: (error: unknown) => Error;
  /**
   * The adapter logs a loss (and a failed revocation after it) at debug only: core already says
   * it, one warning when it hears onLost (etcd). Default: the loss is one info line, a failed
   * revocation after it a warning (Consul).
   */
  readonly quietLoss?: boolean;
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
 * line per error ridden out, the loss (the lifecycle first, then the revocation of a registration
 * that may live on, holding the backend's client until it settles), a leave that revokes, bounded
 * in time, a close that abandons an active registration, update() guarded by the lifecycle, and
 * the LeaderLock around the backend's compare-and-set calls. The adapter composes it from its
 * primitives: it is the MembershipSession the backend hands to core.
 */
export class SessionSkeleton implements MembershipSession {
  readonly lock?: LeaderLock;
  readonly lifecycle: SessionLifecycle;
  readonly #options: SessionSkeletonOptions;
  #renewer: Renewer | undefined;
  #started = false;

  constructor(options: SessionSkeletonOptions) {
    this.#options = options;
    if (options.lock !== undefined) this.lock = this.#leaderLock(options.lock);
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
      if (this.#options.quietLoss === true) this.#options.logger.debug({ code, err: cause }, cause.message);
      else this.#options.logger.info({ code }, cause.message);
      void (cleanUp?.() ?? Promise.resolve()).catch(() => undefined).finally(done);
    });
    if (!lost) done();
    return lost;
  }

  /**
   * Lost while the registration may still be alive at the backend (its record was taken from it):
   * revoked too, so a lock it still holds frees at once, and remembered as abandoned meanwhile: a
   * rejoin racing the revocation then clears the old registration itself.
   */
  loseAlive(cause: Error): boolean {
    return this.lose(cause, async () => {
      const revoking = this.#options.revoke('loss');
      this.#options.abandon?.();
      await this.#revoke(revoking, undefined, this.#options.quietLoss === true ? 'debug' : 'warn');
    });
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
    const { leaveTimeoutMs, source, revokeLost, leaveError } = this.#options;
    if (from === undefined || (from === 'lost' && revokeLost !== true)) {
      done();
      return;
    }
    const bound = new AbortController();
    const expired = new Promise<never>((_, reject) =>
      bound.signal.addEventListener('abort', () => reject(bound.signal.reason)),
    );
    const cancel = this.#options.clock.setTimer(() => {
      bound.abort(new BackendUnavailableError(`leaving took longer than ${leaveTimeoutMs} ms`, { source }));
    }, leaveTimeoutMs);
    // Sent first, so the client is held for it (etcd: the revocation itself holds it), then counted
    // as abandoned until the backend confirms: a join racing this leave may then revoke it too.
    const revoking = Promise.race([this.#options.revoke('leave', bound.signal), expired]);
    this.#options.abandon?.();
    try {
      await this.#revoke(revoking, leaveError);
    } finally {
      cancel();
      done();
    }
  }

  /** Waits for a revocation: `gone` on success, else `fail`'s error, or one warning. */
  async #revoke(
    revoking: Promise<void>,
    fail?: (error: unknown) => Error,
    level: 'warn' | 'debug' = 'warn',
  ): Promise<void> {
    const { mapError, logger, revokeAction, gone } = this.#options;
    try {
      await revoking;
      gone?.();
    } catch (error) {
      if (fail !== undefined) throw fail(error);
      const failure = mapError(error, revokeAction);
      logger[level]({ code: failure.code }, `${failure.message}; it expires by its TTL.`);
      logger.debug({ err: error }, 'the failed revocation');
    }
  }

  /**
   * The LeaderLock on the backend's calls: taking or handing over the lock needs an active session
   * ('taking the lock' in its error), a refusal whose blocker the feed showed end is tried again,
   * and the holder watch is the feed's.
   */
  #leaderLock(calls: LockCalls): LeaderLock {
    const { feed } = this.#options;
    const assertActive = () => this.lifecycle.assertActive('taking the lock');
    const transfer = calls.transfer;
    return {
      tryAcquire: () =>
        acquireUnlessBlockerEnded(
          () => {
            assertActive();
            return calls.attempt();
          },
          (blocker) => blocker !== undefined && feed.showedEnd(blocker),
        ),
      release: (token) => calls.release(token),
      watchHolder: (listener) => feed.watchHolder(listener),
      ...(transfer === undefined
        ? {}
        : {
            transfer: async (token: bigint, to: string) => {
              assertActive();
              return transfer.call(calls, token, to);
            },
          }),
    };
  }

  #hold(): () => void {
    return this.#options.hold?.() ?? (() => {});
  }
}
