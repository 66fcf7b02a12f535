/**
 * The membership backend contract: everything core knows about etcd, Consul, a static list or the
 * in-memory backend. Core imports nothing else of an adapter, and assumes only what `capabilities`
 * declares. Adapters keep their own connection, retries and watch resumption inside; what crosses
 * this line is the view of the members, the registration's deadline, and (optionally) a lock.
 *
 * The rules below are checked by the contract suite of `@election/testing` (`runSessionContract`),
 * one case each: a backend that breaks one fails that case. Those written nowhere else:
 * - `LeaderLock.tryAcquire` answers null only while the holder watch shows, or will show, the
 *   holding that blocked it (case "lock.tryAcquire: answers null only while…");
 * - `MembershipSession.deadline` counts from the send time of the acknowledged renewal, also when
 *   the answer spends clock time in flight (case "deadline(): counts from the send time…");
 * - a client or pool the user passed in stays the user's (`MembershipBackend.close`; case "a client
 *   the user passed in: is never closed by the backend…");
 * - an outage is not an ending: a registration cut off from its backend for less than its TTL less
 *   a renewal interval is renewed again once the backend is back. In the suite's test hooks,
 *   `outage(ids)` cuts off exactly `ids`, or, for a backend that can only freeze as a whole (one
 *   etcd process under SIGSTOP, a stopped Consul server), every node, declared with
 *   `outageScope: 'all'` (`SessionEnvironment.outage`; case "outage(): stops the renewals…").
 */
import type { Logger } from '../logger.js';
import type { Clock } from '../time/clock.js';
import type { Member, Unsubscribe } from './member.js';

export interface BackendCapabilities {
  /** The backend offers a leader lock, so `confirmed` mode is possible. */
  readonly lock: boolean;
  /** Smallest registration TTL the backend honours, in ms. */
  readonly minTtlMs: number;
  /** Largest registration TTL the backend honours, in ms. */
  readonly maxTtlMs: number;
  /** TTLs must be a whole number of seconds (etcd leases, Consul sessions). */
  readonly wholeSecondTtl: boolean;
  /** TTL used when the user gives none, in ms. */
  readonly defaultTtlMs: number;
}

export interface JoinRequest {
  /** The member to register; core has already validated it. */
  readonly member: Member;
  /** Registration TTL in ms, already checked against `capabilities`. */
  readonly ttlMs: number;
  /** All deadlines are measured on this clock, timers run on it. */
  readonly clock: Clock;
  readonly logger: Logger;
  /** Aborted when core gives up this join attempt (stop(), start timeout). */
  readonly signal: AbortSignal;
  /**
   * The user vouches that no other process runs with this id (an orchestrator such as a StatefulSet
   * guarantees it): a registration found holding the id is revoked at once and the join goes ahead,
   * instead of being waited out or refused as a duplicate.
   */
  readonly takeover: boolean;
}

export interface MembershipBackend {
  /** Short adapter name (`etcd`, `consul`, `static`, `memory`), used in logs, errors and status. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /**
   * Where the backend is, for logs and messages ("http://127.0.0.1:2379", "3 static peers"). Never
   * carries credentials.
   */
  readonly endpoint?: string;
  /**
   * Register `member` under a fresh TTL-bound registration.
   * When another registration holds the id, the adapter finds out whether it is still renewed: one
   * that is not (a crashed process restarted under its own id) is waited out within `signal`, then
   * the join goes ahead; with `request.takeover` it is revoked at once. Rejects with
   * `DuplicateMemberError` only when the holder keeps renewing (that holder keeps the id), and
   * with another `ElectionError` when the backend cannot be reached; core retries the latter with
   * backoff.
   */
  join(request: JoinRequest): Promise<MembershipSession>;
  /**
   * One elector starts using this backend; call the returned function once when it is done. When
   * the last use has ended and no join or session of the backend is still active (a join that
   * finishes late is left first: its leave still needs the client), the backend closes the clients
   * it opened itself (never ones passed in), so a process whose only work was the elector exits; a
   * later `retain()` or `join()` opens them again.
   * Core calls it in `start()` and ends the use once `stop()` has left. Optional: a backend without
   * resources of its own need not implement it.
   * A client (or pool) the user passed in stays the user's: its end of use, like `close()`, never
   * closes, ends or reconfigures it.
   */
  retain?(): () => void;
  /**
   * Release what the backend created itself (clients it opened, never ones passed in), for good:
   * later joins fail. Idempotent. A join still in flight is cut short (a wait for a previous
   * registration included): it fails with LifecycleError and gives up what it registered, on the
   * client still open for it; the promise settles once the clients the backend opened are closed.
   * What a backend owns: the clients and connections it opened, and what it created on any client
   * (its registrations' renewals, its watches and timers, its sessions). What it does not own: a
   * client or pool the user passed in, which stays usable after `close()` (and after the last
   * `retain()` use ends) for the user's other work and for other backends on it, and which only
   * the user closes. So `close()` on a user's client stops the backend's own renewals, watches
   * and timers on it (the user's `client.close()` then lets the process exit) and closes nothing
   * else.
   */
  close(): Promise<void>;
}

/** Changes to the membership as one node sees them. A `snapshot` replaces the whole view. */
export type MembershipEvent =
  | { readonly type: 'snapshot'; readonly members: readonly Member[] }
  | { readonly type: 'put'; readonly member: Member }
  | { readonly type: 'delete'; readonly id: string };

/**
 * One live registration of this node. Core keeps it until the backend reports it gone (`onLost`),
 * then joins again; a deadline that passes (backend unreachable) only demotes the node meanwhile.
 */
export interface MembershipSession {
  /**
   * Clock time (ms) until which this registration is known to be alive: the send time of the last
   * acknowledged renewal plus the TTL. Core subtracts its safety margin and never lets this node
   * lead past it. Count it on both clocks, as the kit's `startRenewals` does (`instantOf` at the
   * send, `deadlineAfter` when read): a renewal sent before a suspend and acknowledged after it then
   * says so itself. Core also counts the wall clock's lead on any deadline it reads, from its last
   * read at or before the send time (this value less the TTL), so a deadline on the monotonic clock
   * alone is safe too, if coarser. The time an answer spends in flight never extends it: a renewal
   * sent at S and acknowledged at S + 400 ms moves the deadline to S + TTL, not S + 400 + TTL (the
   * backend restarted its timer no earlier than S; the contract suite slows the answers to check).
   * Past it the adapter keeps renewing (capped, jittered retries): when a renewal is
   * acknowledged again the deadline moves on and the node resumes with the same registration; when
   * the backend says the registration is gone, the adapter fires `onLost`.
   */
  deadline(): number;
  /**
   * Subscribe to the membership. Delivers a `snapshot` first (it may be synchronous), then deltas.
   * After the adapter resynchronises (reconnect, compaction, restart) it delivers a fresh snapshot,
   * so no event is lost or applied twice.
   */
  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe;
  /** Fires at most once: the registration is gone for good (expired, revoked, invalidated). */
  onLost(listener: (cause: Error) => void): Unsubscribe;
  /** Trouble the adapter is riding out by itself (a dropped watch, a failed renewal it will retry). */
  onError(listener: (error: Error) => void): Unsubscribe;
  /**
   * Optional: every acknowledged renewal of this registration, when the answer arrives. Core
   * passes each on as a `renewal` event (metrics: the renewal latency histogram, the last
   * successful renewal). The kit's renewal loop implements it (`Renewer.onRenewal`: forward it);
   * a backend without renewals (static) leaves it out.
   */
  onRenewal?(listener: (renewal: AcknowledgedRenewal) => void): Unsubscribe;
  /** Present exactly when `capabilities.lock` is true. */
  readonly lock?: LeaderLock;
  /**
   * Optional (switchover): rewrite this registration's member record in place (same id, same
   * registration: lease, session), e.g. with a new priority, without leaving. Every watcher then
   * sees a `put` of the new record. Conditional on the registration still being this session's
   * (a lost one is not re-created). Bounded in time like every call; rejects with an
   * ElectionError. Core calls it from `elector.setPriority()`.
   */
  update?(member: Member): Promise<void>;
  /**
   * Leave gracefully: release the lock if held, remove the registration, stop renewals. Idempotent,
   * and bounded in time: it settles even when the backend is unreachable.
   */
  leave(): Promise<void>;
  /**
   * Walk away without a word: stop renewals and watches but leave the registration (and a held lock)
   * to expire by TTL, as a crashed process would. Used by `stop({ resign: false })` and after
   * `onLost`. Idempotent; never touches the backend.
   */
  close(): void;
}

/** One renewal the backend acknowledged. */
export interface AcknowledgedRenewal {
  /** Clock time (`clock.now()`) when the renewal request was sent: the deadline counts from it. */
  readonly sentAt: number;
  /** Its round trip, ms: from the send to the acknowledgement. */
  readonly latencyMs: number;
}

/**
 * Who holds the leader lock, with the fencing token of that holding; null when free. `handed` is
 * set when the record says the holding was handed to its holder by `LeaderLock.transfer` (the
 * holder did not ask for it). Only then may a node adopt a holding of its own that it did not ask
 * for; any other such holding is released as an orphan.
 */
export type LockHolder = {
  readonly id: string;
  readonly token: bigint;
  readonly handed?: boolean;
} | null;

/**
 * A holder watch's listener. `revision` is where in the backend's history `holder` is the lock's
 * state: etcd's revision of the event (or of the range a resync read), Consul's X-Consul-Index of
 * the blocking query, on the same scale as the fencing tokens (a holding's token is the revision
 * or index of the write that created it). So a holding with token T that is not the holder shown
 * at a revision at or above T is gone: the event was read after T was written. That is what tells
 * the deletion of a holding the watch never showed (an operator deleted the key, or revoked the
 * lease, right after this node acquired) from an older "free" still on its way. Optional: without
 * it core cannot tell the two apart before the watch has shown the holding, and a holding deleted
 * by hand in that window is led on until the registration ends.
 */
export type HolderListener = (holder: LockHolder, revision?: bigint) => void;

/**
 * Every call settles (resolves or rejects) in bounded time: the adapter times out its own requests.
 * Core never has two calls of one session in flight, and waits for a slow one to settle before the
 * next (past `lockTimeoutMs` it reports the call as slow and keeps waiting; the answer still counts).
 */
export interface LeaderLock {
  /**
   * Try once to take the leader lock with this session. Resolves with the fencing token (strictly
   * greater than every token handed out before in this election) or null when another session
   * holds it. If this session already holds it, resolves with the token of that holding.
   * A null answer is a promise about the holder watch: this session's `watchHolder` shows, when the
   * answer arrives, or will show after it, the holding (of another session) that blocked the
   * attempt. Core, after a null, waits for that holding's end to try again; if the watch had
   * already reported the end before the null arrived (a release racing the attempt) or never shows
   * the holding (a free lock refused), no change comes and core parks until its periodic resync
   * (5 s). So an adapter that finds the blocking holding already reported gone, or the lock free,
   * tries again instead of answering null (etcd's leader-lock.ts compares the blocking holding's
   * token with the revision its watch has reached).
   */
  tryAcquire(): Promise<bigint | null>;
  /**
   * Release the lock if, and only if, this session holds it with the holding whose fencing token is
   * `token`. A release that arrives late (its call timed out, the request was still in flight) must
   * never delete a newer holding of the same session: that is why the token is part of the request.
   */
  release(token: bigint): Promise<void>;
  /** Delivers the current holder first, then every change, each with its revision when known. */
  watchHolder(listener: HolderListener): Unsubscribe;
  /**
   * Optional (direct transfer): hand the holding whose fencing token is `token` to member `to` in
   * ONE conditional write, instead of release → watch → acquire. Core calls it on a graceful stop
   * and when a better-ranked member should lead. Rules an adapter must keep:
   * - conditional on this session still holding the lock with `token` (as `release` is), and on
   *   `to` being registered now: the new holding is bound to `to`'s own registration (lease,
   *   session) as it stands at the write, so it ends when that registration ends. A successor that
   *   died meanwhile leaves nothing behind but a key that expires with its lease;
   * - the new holding's token is strictly greater than `token` (and than every token before);
   * - the record says the holding was handed (the holder watch reports `handed: true` for it), so
   *   the successor can tell it from a holding of its own it may not want;
   * - resolves with the new token, or null when the condition failed (nothing was written: this
   *   session no longer holds `token`, or `to` is not registered). Like every lock call it settles
   *   in bounded time; a call that failed may have committed.
   * A backend without it (or a null answer) falls back to `release(token)`.
   */
  transfer?(token: bigint, to: string): Promise<bigint | null>;
}
