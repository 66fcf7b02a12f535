import {
  BackendUnavailableError,
  type Clock,
  type LeaderLock,
  LifecycleError,
  type LockHolder,
  type Logger,
  type Member,
  type MembershipEvent,
  type MembershipSession,
  SessionLostError,
  type Unsubscribe,
} from '@election/core';
import { SOURCE } from '../source.js';
import { Listeners } from './listeners.js';
import { MemoryLock } from './lock.js';
import type { Network } from './network.js';
import type { MemoryServer } from './server.js';
import type { Watch } from './watch.js';
import { WatchSet } from './watch-set.js';

export interface SessionContext {
  readonly server: MemoryServer;
  readonly network: Network;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly member: Member;
  readonly ttlMs: number;
  readonly withLock: boolean;
  /** Called once when the session is closed or left, so the cluster forgets it. */
  readonly onClosed: (session: MemorySession) => void;
}

type Status = 'live' | 'lost' | 'closed';

/**
 * One node's registration on the in-memory server. Renews its lease every ttl/3 on the clock; the
 * local deadline is the send time of the last acknowledged renewal plus the TTL, so it stops
 * moving while the node is partitioned, exactly when the server stops hearing from it.
 */
export class MemorySession implements MembershipSession {
  readonly lock?: LeaderLock;
  readonly memberId: string;
  private status: Status = 'live';
  private localDeadline: number;
  private cancelRenewal: Unsubscribe = () => {};
  private lostCause: Error | undefined;
  private readonly lostListeners: Listeners<Error>;
  private readonly errorListeners: Listeners<Error>;
  private readonly watches: WatchSet;
  private leaseId = 0;

  constructor(private readonly context: SessionContext) {
    this.memberId = context.member.id;
    this.localDeadline = context.clock.now() + context.ttlMs;
    this.lostListeners = new Listeners(context.logger, 'onLost');
    this.errorListeners = new Listeners(context.logger, 'onError');
    this.watches = new WatchSet({
      clock: context.clock,
      network: context.network,
      node: this.memberId,
      onListenerError: (error) => this.reportListenerError(error),
    });
    if (context.withLock) this.lock = new MemoryLock(this, context.server);
  }

  /** Binds the session to the lease the server granted at join, and starts renewing it. */
  attach(leaseId: number): void {
    this.leaseId = leaseId;
    this.scheduleRenewal();
  }

  get lease(): number {
    return this.leaseId;
  }

  deadline(): number {
    return this.localDeadline;
  }

  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    const { server } = this.context;
    const snapshot = (): MembershipEvent => ({ type: 'snapshot', members: server.members() });
    return this.openWatch(listener, (watch) => server.watchMembers(watch), snapshot);
  }

  /** Used by the lock: same stream rules as the member watch. */
  watchHolder(listener: (holder: LockHolder) => void): Unsubscribe {
    const { server } = this.context;
    return this.openWatch(
      listener,
      (watch) => server.watchHolder(watch),
      () => server.holder(),
    );
  }

  onLost(listener: (cause: Error) => void): Unsubscribe {
    if (this.status === 'closed') return () => {};
    const cause = this.lostCause;
    if (cause !== undefined) {
      // Already lost: a late subscriber still hears of it, once, and never synchronously.
      let cancelled = false;
      queueMicrotask(() => {
        if (!cancelled) listener(cause);
      });
      return () => {
        cancelled = true;
      };
    }
    return this.lostListeners.add(listener);
  }

  onError(listener: (error: Error) => void): Unsubscribe {
    return this.errorListeners.add(listener);
  }

  leave(): Promise<void> {
    if (this.status === 'closed') return Promise.resolve();
    const reachable = this.reachable();
    this.shutDown();
    if (reachable) {
      this.context.server.revoke(this.leaseId);
    } else {
      // leave() must settle even when the server is unreachable; the lease then runs out by TTL.
      this.context.logger.warn(
        { memberId: this.memberId },
        'in-memory server unreachable (partitioned); the registration will expire by TTL',
      );
    }
    return Promise.resolve();
  }

  close(): void {
    if (this.status !== 'closed') this.shutDown();
  }

  /** The server dropped this lease (TTL or expire()); a cut-off node only learns it once healed. */
  serverExpired(): void {
    if (this.reachable()) this.markLost();
  }

  /** The node's network is back: learn of a lease lost meanwhile, and resynchronise every watch. */
  healed(): void {
    if (this.status === 'closed') return;
    if (this.status === 'live' && !this.context.server.hasLease(this.leaseId)) this.markLost();
    this.watches.resyncAll();
  }

  /** For the lock: rejects unless this session may talk to the server now. */
  assertCanCall(operation: string): void {
    if (this.status === 'closed') {
      throw new LifecycleError(`${operation} on a closed session of "${this.memberId}"; join again first.`, {
        source: SOURCE,
      });
    }
    if (!this.reachable()) throw this.unreachableError(operation);
    if (this.status === 'lost' || !this.context.server.hasLease(this.leaseId)) {
      throw new SessionLostError(`${operation}: the lease of "${this.memberId}" has expired; join again.`, {
        source: SOURCE,
      });
    }
  }

  /** Hands `value` back after the node's reply latency on the clock (at once without one). */
  reply<T>(value: T): Promise<T> {
    const ms = this.context.network.replyDelay(this.memberId);
    if (ms <= 0) return Promise.resolve(value);
    return new Promise<T>((resolve) => this.context.clock.setTimer(() => resolve(value), ms));
  }

  isClosed(): boolean {
    return this.status === 'closed';
  }

  reachable(): boolean {
    return this.context.network.reachable(this.memberId);
  }

  unreachableError(operation: string): BackendUnavailableError {
    return new BackendUnavailableError(
      `${operation}: node "${this.memberId}" cannot reach the in-memory server (partitioned); heal() it to reconnect.`,
      { source: SOURCE },
    );
  }

  private openWatch<E>(
    listener: (event: E) => void,
    register: (watch: Watch<E>) => Unsubscribe,
    current: () => E,
  ): Unsubscribe {
    return this.status === 'closed' ? () => {} : this.watches.add(listener, register, current);
  }

  private scheduleRenewal(): void {
    this.cancelRenewal = this.context.clock.setTimer(() => this.renew(), this.context.ttlMs / 3);
  }

  private renew(): void {
    if (this.status !== 'live') return;
    const sentAt = this.context.clock.now();
    if (!this.reachable()) {
      this.errorListeners.emit(this.unreachableError('lease renewal'));
      this.scheduleRenewal();
      return;
    }
    if (!this.context.server.keepAlive(this.leaseId)) {
      this.markLost();
      return;
    }
    this.localDeadline = sentAt + this.context.ttlMs;
    this.scheduleRenewal();
  }

  private markLost(): void {
    if (this.status !== 'live') return;
    this.status = 'lost';
    this.cancelRenewal();
    const cause = new SessionLostError(`The lease of "${this.memberId}" expired on the in-memory server.`, {
      source: SOURCE,
    });
    this.lostCause = cause;
    this.lostListeners.emit(cause);
    this.lostListeners.clear();
  }

  private shutDown(): void {
    this.status = 'closed';
    this.cancelRenewal();
    this.watches.closeAll();
    this.lostListeners.clear();
    this.errorListeners.clear();
    this.context.onClosed(this);
  }

  private reportListenerError(error: unknown): void {
    this.context.logger.error({ err: error, memberId: this.memberId }, 'a watch listener threw');
    this.errorListeners.emit(error instanceof Error ? error : new Error(String(error)));
  }
}
