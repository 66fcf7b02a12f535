import type { MembershipBackend, MembershipSession } from '@election/core';
import type { ManualClock } from '../../clock/manual-clock.js';

/** A client the user owns and hands to backends (see `SessionEnvironment.userClient`). */
export interface UserClient {
  backend(member: { readonly id: string }): MembershipBackend;
  /** Resolves when the client can still be used (one cheap request); rejects otherwise. */
  works(): Promise<void>;
  close(): Promise<void>;
}

/** One fresh, isolated election for one session-level test. */
export interface SessionEnvironment {
  /** A backend for one node; called once per session the test opens. */
  backend(member: { readonly id: string }): MembershipBackend;
  /**
   * Ends the registration of `id` behind its session's back, as the backend would on expiry
   * (expire the lease, destroy the session). Omit it, and say why in `cannotInvalidate`, when the
   * backend cannot lose a registration.
   */
  invalidate?(id: string, session: MembershipSession): Promise<void> | void;
  /**
   * Makes the backend unreachable for the nodes `ids`; resolves with a function that brings it
   * back. Omit when the backend has nothing to reach (a fixed list): leave() is then timed as is.
   * What it must mean (the `outage()` group checks it):
   * - from when it resolves until the restore function is called, no call of a session of `ids`
   *   succeeds: no renewal of theirs is acknowledged (their deadlines stand still), their calls
   *   fail or hang until their own timeouts;
   * - it is an outage, not an ending: the backend does not revoke or renew their registrations
   *   meanwhile, so one shorter than the TTL less a renewal interval leaves them alive, and once
   *   restored their renewals are acknowledged again;
   * - by default it cuts off exactly `ids`: every other node keeps working (its renewals go on;
   *   the `outage()` group watches for one during TTL/2, so it expects renewals more often);
   *   A backend that can only freeze as a whole (one etcd under SIGSTOP, a stopped Consul agent)
   *   freezes every node instead, and says so with `outageScope: 'all'`; cases then expect
   *   nothing of the nodes outside `ids` (the outage may catch them at any point of their
   *   renewal beat, so it may even end their registrations).
   */
  outage?(ids: readonly string[]): Promise<() => Promise<void>>;
  /** What `outage(ids)` cuts off: exactly `ids` (default), or the whole backend (see `outage`). */
  readonly outageScope?: 'named' | 'all';
  /**
   * Makes the answers to the calls of the nodes `ids` (renewals above all) come back `ms` later
   * on the suite's clock than they would; the backend acts on each call at once, only its answer
   * is late. Resolves with a function that restores prompt answers. A backend whose sessions do
   * not renew (`noRenewals`) omits it. A backend that can only slow down as a whole may slow
   * every node.
   */
  latency?(ids: readonly string[], ms: number): Promise<() => Promise<void>>;
  /**
   * A client (or pool) the test owns, as a user who passes their own would: backends made with
   * `backend(member)` use it; `works()` rejects once it can no longer be used (closed, ended);
   * `close()` is the user's own clean-up. Omit, and say why in `noUserClient`, when the backend
   * takes no client from its user.
   */
  userClient?(): Promise<UserClient>;
  /** Releases everything (servers, clients, timers). Called after every test. */
  teardown(): Promise<void>;
}

export type SessionEnvironmentFactory = () => SessionEnvironment | Promise<SessionEnvironment>;

export interface SessionSuiteOptions {
  /** Shown in the describe titles, e.g. "etcd". */
  readonly name: string;
  /** Registration TTL of every session; must suit the backend. */
  readonly ttlMs: number;
  /** Fake time: sessions run on it and every wait advances it. Omit to run in real time. */
  readonly clock?: ManualClock;
  /** How long to wait for something the backend should do soon (a watch event, onLost). */
  readonly timeoutMs: number;
  /** leave() must settle within this long while the backend is unreachable. */
  readonly leaveBoundMs: number;
  /** The backend offers a leader lock (the watchHolder group runs only then). */
  readonly lock: boolean;
  /**
   * How long a closed session's registration must stay visible to others (it expires by TTL, as
   * a crashed process's would). Default ttlMs / 2. 0 for backends that see a crash otherwise
   * (static: health probes).
   */
  readonly closeGraceMs?: number;
  /** How long after close() the registration must be gone. Default 2 × ttlMs + timeoutMs. */
  readonly expiryBoundMs?: number;
  /**
   * Why this backend cannot end a registration behind its session's back (no `invalidate`): the
   * onLost group is then registered as skipped with this reason.
   */
  readonly cannotInvalidate?: string;
  /**
   * Why this backend reports no renewals (no `onRenewal`: static lists have no TTL to renew): the
   * onRenewal group is then registered as skipped with this reason.
   */
  readonly noRenewals?: string;
  /** Why this backend's lock has no `transfer` (the direct handover): that group is then skipped. */
  readonly noTransfer?: string;
  /** Why this backend's sessions have no `update` (setPriority): that group is then skipped. */
  readonly noUpdate?: string;
  /** Why this backend takes no client from its user (no `userClient`): that group is then skipped. */
  readonly noUserClient?: string;
  /** Per-test runner timeout, real ms. Default: generous. */
  readonly testTimeoutMs?: number;
}
