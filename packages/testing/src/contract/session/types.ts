import type { MembershipBackend, MembershipSession } from '@election/core';
import type { ManualClock } from '../../clock/manual-clock.js';

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
   */
  outage?(ids: readonly string[]): Promise<() => Promise<void>>;
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
  /** Per-test runner timeout, real ms. Default: generous. */
  readonly testTimeoutMs?: number;
}
