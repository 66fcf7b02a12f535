import type { Clock, LockHolder, Member, MembershipEvent, Unsubscribe } from '@election/core/adapter';
import { compareIds } from '@election/core/adapter';

/**
 * A subscriber to the server's changes (one node's stream): `start` when it subscribes, each
 * change `push`ed the moment the server makes it, `close` when it is dropped or the server goes.
 */
export interface Watch<E> {
  start(): unknown;
  push(event: E): void;
  close(): void;
}

/** One acquisition of the leader lock, kept for assertions about fencing. */
export interface LockGrant {
  readonly id: string;
  readonly token: bigint;
  /** Clock time of the acquisition. */
  readonly at: number;
  /** Handed over by a transfer rather than acquired. */
  readonly handed?: boolean;
}

interface Lease {
  readonly memberId: string;
  readonly ttlMs: number;
  /** Keepalives received: a holder whose count moves while a restarted node waits is alive. */
  renewals: number;
  cancelExpiry: Unsubscribe;
  /** Tells the owning session that the server dropped the lease. */
  readonly onExpired: () => void;
}

/** The lock's holder at a revision: one holder watch event (tokens are revisions too). */
export interface HolderState {
  readonly holder: LockHolder;
  readonly revision: bigint;
}

interface Holding {
  readonly id: string;
  readonly leaseId: number;
  readonly token: bigint;
  /** Written by a transfer, not by the holder's own acquire. */
  readonly handed?: boolean;
}

/**
 * The single in-memory "server" all nodes of one cluster talk to: leases with TTLs on the clock,
 * member keys bound to leases, a lock bound to a lease, and a revision counter that grows with
 * every write, as etcd's does. Lock tokens are the revision of the acquiring write, so each one is
 * strictly greater than every token before it. Reachability is the caller's concern (see Network).
 */
export class MemoryServer {
  #revisionCounter = 1n;
  #nextLeaseId = 1;
  /** While true (the server is down), no lease expiry is armed. */
  #frozen = false;
  readonly #leases = new Map<number, Lease>();
  readonly #keys = new Map<string, { readonly member: Member; readonly leaseId: number }>();
  #holding: Holding | null = null;
  readonly #grants: LockGrant[] = [];
  readonly #memberWatches = new Set<Watch<MembershipEvent>>();
  readonly #holderWatches = new Set<Watch<HolderState>>();

  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Grants a lease and puts the member key under it, or returns null when a live lease holds the id. */
  register(member: Member, ttlMs: number, onExpired: () => void): number | null {
    if (this.#keys.has(member.id)) return null;
    const leaseId = this.#nextLeaseId++;
    const lease: Lease = { memberId: member.id, ttlMs, renewals: 0, cancelExpiry: () => {}, onExpired };
    this.#leases.set(leaseId, lease);
    this.#armExpiry(leaseId, lease);
    const stored = frozenCopy(member);
    this.#keys.set(member.id, { member: stored, leaseId });
    this.#bump();
    for (const watch of this.#memberWatches) watch.push({ type: 'put', member: stored });
    return leaseId;
  }

  /**
   * Rewrites a member's record in place (same lease), as etcd's put on the member key: false when
   * the key is not bound to `leaseId` (the registration is gone), and then nothing is written.
   */
  update(leaseId: number, member: Member): boolean {
    const entry = this.#keys.get(member.id);
    if (entry === undefined || entry.leaseId !== leaseId) return false;
    const stored = frozenCopy(member);
    this.#keys.set(member.id, { member: stored, leaseId });
    this.#bump();
    for (const watch of this.#memberWatches) watch.push({ type: 'put', member: stored });
    return true;
  }

  hasLease(leaseId: number): boolean {
    return this.#leases.has(leaseId);
  }

  /** The live lease registered for a member id, if any. */
  leaseOf(memberId: string): number | undefined {
    return this.#keys.get(memberId)?.leaseId;
  }

  /** Restarts the lease's TTL from now; false when the lease is already gone. */
  keepAlive(leaseId: number): boolean {
    const lease = this.#leases.get(leaseId);
    if (lease === undefined) return false;
    lease.renewals++;
    this.#armExpiry(leaseId, lease);
    return true;
  }

  /** Keepalives the lease has received so far, or undefined once it is gone. */
  leaseRenewals(leaseId: number): number | undefined {
    return this.#leases.get(leaseId)?.renewals;
  }

  /**
   * An operator deletes the leader key by hand (`etcdctl del`): the holding goes whatever its lease,
   * and every holder watch sees the lock free. The holder's lease and member key stay.
   */
  deleteLeaderKey(): LockHolder {
    const gone = this.holder();
    if (this.#holding === null) return null;
    this.#holding = null;
    this.#bump();
    this.#announceHolder();
    return gone;
  }

  /** The lease holding the leader lock, if any. */
  holderLease(): number | undefined {
    return this.#holding?.leaseId;
  }

  /** Deletes the lease on request (graceful leave): its key and lock go, its session is not told. */
  revoke(leaseId: number): void {
    this.#drop(leaseId);
  }

  /** The lease runs out (TTL, or a test's expire()): its key and lock go, and its session hears of it. */
  expire(leaseId: number): void {
    const lease = this.#drop(leaseId);
    lease?.onExpired();
  }

  /** The lock's token for this lease: a fresh one when free, the current one when already held, else null. */
  acquire(leaseId: number): bigint | null {
    const lease = this.#leases.get(leaseId);
    if (lease === undefined) return null;
    if (this.#holding !== null) return this.#holding.leaseId === leaseId ? this.#holding.token : null;
    const token = this.#bump();
    this.#holding = { id: lease.memberId, leaseId, token };
    this.#grants.push({ id: lease.memberId, token, at: this.#clock.now() });
    this.#announceHolder();
    return token;
  }

  /**
   * The direct handover, as etcd's one transaction: if `leaseId` holds the lock with `token` and
   * `to` is registered, the holding becomes `to`'s, bound to `to`'s lease, with a fresh token and
   * marked as handed. Returns the new token, or null (nothing written) when either condition fails.
   */
  transfer(leaseId: number, token: bigint, to: string): bigint | null {
    if (this.#holding?.leaseId !== leaseId || this.#holding.token !== token) return null;
    const target = this.#keys.get(to);
    if (target === undefined) return null;
    const next = this.#bump();
    this.#holding = { id: to, leaseId: target.leaseId, token: next, handed: true };
    this.#grants.push({ id: to, token: next, at: this.#clock.now(), handed: true });
    this.#announceHolder();
    return next;
  }

  /** Frees the lock if `leaseId` holds it (and, when given, with this token: a stale release is a no-op). */
  release(leaseId: number, token?: bigint): void {
    if (this.#holding?.leaseId !== leaseId) return;
    if (token !== undefined && this.#holding.token !== token) return;
    this.#holding = null;
    this.#bump();
    this.#announceHolder();
  }

  watchMembers(watch: Watch<MembershipEvent>): Unsubscribe {
    this.#memberWatches.add(watch);
    watch.start();
    return () => {
      this.#memberWatches.delete(watch);
      watch.close();
    };
  }

  watchHolder(watch: Watch<HolderState>): Unsubscribe {
    this.#holderWatches.add(watch);
    watch.start();
    return () => {
      this.#holderWatches.delete(watch);
      watch.close();
    };
  }

  /** Live members, ordered by id (UTF-8 order) so that assertions are stable. */
  members(): Member[] {
    return [...this.#keys.values()].map((entry) => entry.member).sort((a, b) => compareIds(a.id, b.id));
  }

  holder(): LockHolder {
    const holding = this.#holding;
    if (holding === null) return null;
    return holding.handed
      ? { id: holding.id, token: holding.token, handed: true }
      : { id: holding.id, token: holding.token };
  }

  /** The holder with the revision it is the state at (what a holder watch delivers). */
  holderState(): HolderState {
    return { holder: this.holder(), revision: this.#revisionCounter };
  }

  lockGrants(): readonly LockGrant[] {
    return [...this.#grants];
  }

  revision(): bigint {
    return this.#revisionCounter;
  }

  liveLeases(): number {
    return this.#leases.size;
  }

  /** Cancels every expiry timer; the server is unusable afterwards. */
  dispose(): void {
    for (const lease of this.#leases.values()) lease.cancelExpiry();
    this.#leases.clear();
    for (const watch of [...this.#memberWatches, ...this.#holderWatches]) watch.close();
    this.#memberWatches.clear();
    this.#holderWatches.clear();
  }

  /** The server is down: no lease expires until `thawLeases()` (simulates a backend restart). */
  freezeLeases(): void {
    this.#frozen = true;
    for (const lease of this.#leases.values()) lease.cancelExpiry();
  }

  /** Back up: every lease gets a full TTL from now, as etcd's lessor refreshes leases on its return. */
  thawLeases(): void {
    if (!this.#frozen) return;
    this.#frozen = false;
    for (const [leaseId, lease] of this.#leases) this.#armExpiry(leaseId, lease);
  }

  #armExpiry(leaseId: number, lease: Lease): void {
    lease.cancelExpiry();
    if (this.#frozen) {
      lease.cancelExpiry = () => {};
      return;
    }
    lease.cancelExpiry = this.#clock.setTimer(() => this.expire(leaseId), lease.ttlMs);
  }

  #drop(leaseId: number): Lease | undefined {
    const lease = this.#leases.get(leaseId);
    if (lease === undefined) return undefined;
    lease.cancelExpiry();
    this.#leases.delete(leaseId);
    this.release(leaseId);
    if (this.#keys.get(lease.memberId)?.leaseId === leaseId) {
      this.#keys.delete(lease.memberId);
      this.#bump();
      for (const watch of this.#memberWatches) watch.push({ type: 'delete', id: lease.memberId });
    }
    return lease;
  }

  #bump(): bigint {
    this.#revisionCounter += 1n;
    return this.#revisionCounter;
  }

  #announceHolder(): void {
    const state = this.holderState();
    for (const watch of this.#holderWatches) watch.push(state);
  }
}

/** The record as stored: a frozen copy, so a caller changing its object later changes nothing. */
function frozenCopy(member: Member): Member {
  return Object.freeze({ ...member, ...(member.meta ? { meta: Object.freeze({ ...member.meta }) } : {}) });
}
