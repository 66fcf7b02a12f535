import type { MembershipBackend } from '../contracts/backend.js';
import type { Member, MemberComparator, Unsubscribe } from '../contracts/member.js';
import type { ElectionError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BackoffOptions } from '../time/backoff.js';
import type { Clock } from '../time/clock.js';

/**
 * `view`: the leader is whoever this node's view of the members elects (the seed's rule); fast, no
 * extra writes, but two nodes with different views can both lead.
 * `confirmed`: the node the view elects must also hold the backend's leader lock; at most one leader.
 */
export type ElectionMode = 'view' | 'confirmed';

export interface ElectorOptions {
  /** This node's id: non-empty, at most 255 UTF-8 bytes, no `/`, no control characters. */
  readonly id: string;
  readonly membership: MembershipBackend;
  /** Default: `confirmed` when the backend has a lock, else `view`. */
  readonly mode?: ElectionMode;
  /** Lower leads first. Default 0. */
  readonly priority?: number;
  /** Join as an observer: never elected, sees the leader. */
  readonly observer?: boolean;
  readonly meta?: Readonly<Record<string, string>>;
  /** Registration TTL in ms. Default: the backend's `defaultTtlMs`. */
  readonly ttlMs?: number;
  /**
   * Leadership ends this long before the registration's deadline, to absorb clock drift between
   * this process and the backend. Default: min(ttl / 10, 500 ms).
   */
  readonly deadlineMarginMs?: number;
  /** Safety-net re-evaluation of view, lock and deadline (no backend reads). Default 5000 ms. */
  readonly resyncIntervalMs?: number;
  /**
   * A leader hands over only after a better-ranked member has been present this long, so a
   * flapping member does not bounce leadership. Default 0.
   */
  readonly handoverDelayMs?: number;
  /**
   * A leader-lock call (acquire, release) slower than this is reported as an `error` event (once per
   * call). It is still awaited, and its answer counts: a backend slower than this still elects.
   * Default: min(ttl / 2, 5000 ms); above half the TTL is accepted with a warning.
   */
  readonly lockTimeoutMs?: number;
  /**
   * Take over this id's previous registration at once instead of waiting for it to expire. Only
   * safe when nothing else can run with this id (one process per id, as a Kubernetes StatefulSet
   * or a systemd unit guarantees): a second live process with the id would be evicted. Default
   * false: a registration that is not renewed is waited out, a renewed one is a duplicate.
   */
  readonly takeover?: boolean;
  /** Fail `start()` with StartTimeoutError when not joined within this many ms. Default: retry forever. */
  readonly startTimeoutMs?: number;
  /** Retry policy for joins and lock attempts. */
  readonly backoff?: BackoffOptions;
  /** Replaces the election order (priority, then UTF-8 id). */
  readonly compare?: MemberComparator;
  /** pino-compatible; default silent. */
  readonly logger?: Logger;
  /**
   * Default: the system clock (a monotonic `now()`, and `wallNow()` so that a suspended machine's
   * leader does not outlive its lease; see Clock). A clock without `wallNow` counts on `now()` alone.
   */
  readonly clock?: Clock;
  /** Aborting it stops the elector (with resign). */
  readonly signal?: AbortSignal;
}

/**
 * `idle` → `joining` → `follower` | `candidate` | `leader` → … → `stopping` → `stopped`.
 * `candidate`: the view elects this node and it is trying to take the backend's lock (confirmed).
 * A registration the backend reports lost sends the node back to `joining`; one whose deadline
 * passed (backend unreachable) keeps the node a `follower` until a renewal is acknowledged again.
 */
export type ElectorPhase = 'idle' | 'joining' | 'follower' | 'candidate' | 'leader' | 'stopping' | 'stopped';

/** Why this node stopped leading. */
export type DemotionReason =
  /** A better-ranked member appeared; the lock was released for it. */
  | 'handover'
  /**
   * The local lease deadline passed without an acknowledged renewal (backend unreachable). The node
   * keeps its registration and leads again, with the same term, once a renewal is acknowledged.
   */
  | 'deadline'
  /** The backend reported the registration lost (expired, revoked, invalidated). */
  | 'session-lost'
  /** Someone else holds the lock now (deleted or taken over behind this node's back). */
  | 'lock-lost'
  /** The view no longer elects this node (view mode). */
  | 'view-changed'
  /** stop() was called or the signal aborted. */
  | 'stopped';

/**
 * Why this node is, or is not, the leader right now: a small typed value that is safe to log and
 * to show. Times are clock milliseconds (the elector's clock), durations are milliseconds.
 */
export type ElectionReason =
  /** start() has not been called. */
  | { readonly kind: 'idle' }
  /** Registering with the backend; `attempt` counts failed tries since `since`, `lastError` the latest. */
  | {
      readonly kind: 'joining';
      readonly since: number;
      readonly attempt: number;
      readonly lastError: string | null;
    }
  /**
   * The registration's deadline passed without an acknowledged renewal (the backend is unreachable
   * or slow); `since`: about when the last acknowledged renewal was sent. The node does not lead,
   * and keeps renewing the same registration.
   */
  | { readonly kind: 'backend-unreachable'; readonly since: number; readonly lastError: string | null }
  /** Another live registration holds this id; the node keeps retrying and never leads meanwhile. */
  | { readonly kind: 'duplicate-id'; readonly since: number; readonly message: string }
  /** Joined as an observer: never elected. */
  | { readonly kind: 'observer' }
  /** No member is electable in this node's view yet. */
  | { readonly kind: 'no-candidates' }
  /** Another member sorts first: by a lower priority, by UTF-8 id order, or by a custom comparator. */
  | {
      readonly kind: 'outranked';
      readonly by: string;
      readonly because: 'priority' | 'id-order' | 'custom-order';
    }
  /**
   * The view elects this node but another registration holds the backend's leader lock (confirmed
   * mode). `expiresWithinMs`: the longest the holder's lease can last if it stopped renewing now (the TTL).
   */
  | {
      readonly kind: 'lock-held-by';
      readonly id: string;
      readonly term: bigint | null;
      readonly expiresWithinMs: number;
    }
  /** The view elects this node and it is asking the backend for the lock (confirmed mode). */
  | { readonly kind: 'acquiring' }
  /** This node leads. */
  | { readonly kind: 'leading'; readonly term: bigint | null }
  /** This node leads, but `to` sorts first; leadership is handed over in `inMs`. */
  | { readonly kind: 'handover-pending'; readonly to: string; readonly inMs: number }
  /** stop() was called (or the signal aborted). */
  | { readonly kind: 'stopped' };

/** An immutable snapshot. `isLeader` is checked against the clock when read, so it is never true past the deadline. */
export interface ElectionState {
  readonly id: string;
  /** Who leads as this node knows it: the lock holder in confirmed mode, the view's choice in view mode. */
  readonly leaderId: string | null;
  readonly isLeader: boolean;
  /** The fencing token of the current leadership (confirmed mode), null in view mode or with no leader. */
  readonly term: bigint | null;
  /** Live members in election order (electable by rank, then observers by id). */
  readonly members: readonly Member[];
  readonly phase: ElectorPhase;
  /** Clock time when `phase` was entered. */
  readonly since: number;
  /** While leading: clock time after which this node no longer leads unless renewed. Else null. */
  readonly leaseDeadline: number | null;
  /** Why this node is or is not the leader (outranked by whom, lock held by whom, joining, …). */
  readonly reason: ElectionReason;
}

export type ElectorEvent =
  /** The leader as this node sees it changed (including to or from none). */
  | {
      readonly type: 'leader';
      readonly leaderId: string | null;
      readonly term: bigint | null;
      readonly previousLeaderId: string | null;
    }
  /** This node became leader. */
  | { readonly type: 'elected'; readonly term: bigint | null }
  /** This node stopped being leader. */
  | { readonly type: 'demoted'; readonly reason: DemotionReason; readonly term: bigint | null }
  | { readonly type: 'phase'; readonly phase: ElectorPhase; readonly previousPhase: ElectorPhase }
  | { readonly type: 'members'; readonly size: number }
  /**
   * `state.reason` changed kind (this node went blind, saw again, was outranked, …), also when
   * nothing else changed. A change within one kind (a retry's attempt count, a countdown) is no
   * event of its own: the next event's state carries it.
   */
  | {
      readonly type: 'reason';
      readonly reason: ElectionReason;
      readonly previousKind: ElectionReason['kind'];
    }
  /**
   * The backend acknowledged a renewal of this node's registration: sent at `sentAt` (clock time),
   * answered after `latencyMs`. Only from backends that report renewals (the kit's renewal loop:
   * etcd, Consul, memory). Changes no state.
   */
  | { readonly type: 'renewal'; readonly sentAt: number; readonly latencyMs: number }
  /** A problem the elector is riding out (it retries); never thrown, never an unhandled rejection. */
  | { readonly type: 'error'; readonly error: ElectionError };

export type ElectorEventType = ElectorEvent['type'];
export type ElectorEventOf<T extends ElectorEventType> = Extract<ElectorEvent, { type: T }>;

export interface StopOptions {
  /** Release the lock and leave the membership so the next node takes over at once. Default true. */
  readonly resign?: boolean;
}

export interface Elector {
  readonly id: string;
  readonly mode: ElectionMode;
  /** The backend's name (`etcd`, `consul`, …). */
  readonly backend: string;
  /**
   * The clock this elector runs on (the `clock` option, else the system clock): every time in
   * `state` (`since`, `leaseDeadline`, reason times) is one of its `now()` readings.
   */
  readonly clock: Clock;
  /**
   * The registration TTL this elector runs with, ms: the `ttlMs` option, else the backend's
   * default. Renewals are sent every TTL / 3.
   */
  readonly ttlMs: number;
  /** A fresh snapshot; reading it past the deadline demotes this node first. */
  readonly state: ElectionState;
  /** Resolves once joined (phase follower/candidate/leader). Rejects with DuplicateMemberError, StartTimeoutError, … */
  start(): Promise<void>;
  /** Resigns by default. Idempotent; resolves when everything is released. */
  stop(options?: StopOptions): Promise<void>;
  /** Every event with the state right after it. */
  subscribe(listener: (event: ElectorEvent, state: ElectionState) => void): Unsubscribe;
  /** One event type only. */
  on<T extends ElectorEventType>(
    type: T,
    listener: (event: ElectorEventOf<T>, state: ElectionState) => void,
  ): Unsubscribe;
  /** The current state, then every change, until stopped or the signal aborts. */
  changes(options?: { readonly signal?: AbortSignal }): AsyncIterableIterator<ElectionState>;
  /**
   * Changes this member's priority (lower leads first) while it stays a member: the record is
   * rewritten in place and every view re-sorts. A leader that is now outranked hands over to the
   * member that leads next, directly (the switchover: how to move leadership off a node before
   * maintenance). Works for observers too (their rank among observers). Rejects with a
   * ConfigurationError for a non-finite priority or a backend that cannot rewrite a live record
   * (static: restart with the new priority), a LifecycleError once stopped.
   */
  setPriority(priority: number): Promise<void>;
  /** Resolves with the state once this node leads; rejects if the signal aborts or the elector stops. */
  waitForLeadership(options?: { readonly signal?: AbortSignal }): Promise<ElectionState>;
}
