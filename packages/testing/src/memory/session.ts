import {
  type AcknowledgedRenewal,
  BackendUnavailableError,
  type Clock,
  type HolderListener,
  type LeaderLock,
  LifecycleError,
  type Logger,
  type Member,
  type MembershipEvent,
  type MembershipSession,
  type RenewalOutcome,
  type Renewer,
  SessionLifecycle,
  SessionLostError,
  startRenewals,
  type Unsubscribe,
} from '@election/core/adapter';
import { SOURCE } from '../source.js';
import { MemoryLock } from './lock.js';
import type { Network } from './network.js';
import type { HolderState, MemoryServer } from './server.js';
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

/**
 * One node's registration on the in-memory server. Renews its lease every ttl/3 on the clock; the
 * local deadline is the send time of the last acknowledged renewal plus the TTL, so it stops
 * moving while the node is partitioned, exactly when the server stops hearing from it.
 */
export class MemorySession implements MembershipSession {
  readonly lock?: LeaderLock;
  readonly memberId: string;
  /** Created at attach(): renewals start once the server granted the lease. */
  #renewer: Renewer | undefined;
  readonly #startedAt: number;
  readonly #lifecycle: SessionLifecycle;
  readonly #watches: WatchSet;
  #leaseId = 0;

  readonly #context: SessionContext;

  constructor(context: SessionContext) {
    this.#context = context;
    this.memberId = context.member.id;
    this.#startedAt = context.clock.now();
    this.#lifecycle = new SessionLifecycle({
      logger: context.logger,
      source: SOURCE,
      what: 'memory session',
      stop: () => this.#renewer?.stop(),
    });
    this.#watches = new WatchSet({
      clock: context.clock,
      network: context.network,
      node: this.memberId,
      onListenerError: (error) => this.#reportListenerError(error),
    });
    if (context.withLock) this.lock = new MemoryLock(this, context.server);
  }

  /** Binds the session to the lease the server granted at join, and starts renewing it. */
  attach(leaseId: number): void {
    this.#leaseId = leaseId;
    const { clock, ttlMs, server } = this.#context;
    this.#renewer = startRenewals({
      ttlMs,
      clock,
      startedAt: this.#startedAt,
      intervalMs: ttlMs / 3,
      // A failed renewal is retried on the same ttl/3 beat, without jitter: runs stay deterministic.
      retry: { initialMs: ttlMs / 3, maxMs: ttlMs / 3, random: () => 1 },
      renew: async () => {
        if (!this.reachable()) throw this.unreachableError('lease renewal');
        // The server renews now; the answer may spend time in flight (cluster.latency()).
        const alive = server.keepAlive(this.#leaseId);
        return this.reply<RenewalOutcome>(
          alive ? { alive: true } : { alive: false, cause: this.#lostError() },
        );
      },
      onLost: () => this.#markLost(),
      onError: (error) => this.#lifecycle.reportError(error as Error),
      logger: this.#context.logger,
    });
  }

  get lease(): number {
    return this.#leaseId;
  }

  deadline(): number {
    return this.#renewer?.deadline() ?? this.#startedAt + this.#context.ttlMs;
  }

  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    const { server } = this.#context;
    const snapshot = (): MembershipEvent => ({ type: 'snapshot', members: server.members() });
    return this.#openWatch(listener, (watch) => server.watchMembers(watch), snapshot);
  }

  /** Used by the lock: same stream rules as the member watch. */
  watchHolder(listener: HolderListener): Unsubscribe {
    const { server } = this.#context;
    return this.#openWatch<HolderState>(
      ({ holder, revision }) => listener(holder, revision),
      (watch) => server.watchHolder(watch),
      () => server.holderState(),
    );
  }

  onLost(listener: (cause: Error) => void): Unsubscribe {
    // The kit's once-listeners: a late subscriber still hears a loss, once, never synchronously.
    if (this.isClosed()) return () => {};
    return this.#lifecycle.onLost(listener);
  }

  onError(listener: (error: Error) => void): Unsubscribe {
    return this.#lifecycle.onError(listener);
  }

  onRenewal(listener: (renewal: AcknowledgedRenewal) => void): Unsubscribe {
    return this.#renewer?.onRenewal(listener) ?? (() => {});
  }

  /** Rewrites this member's record in place (a new priority, say); see MemoryServer.update. */
  async update(member: Member): Promise<void> {
    this.assertCanCall('update()');
    if (!this.#context.server.update(this.#leaseId, member))
      throw new SessionLostError(`update(): the registration of "${this.memberId}" is gone; join again.`, {
        source: SOURCE,
      });
    await this.reply(undefined);
  }

  leave(): Promise<void> {
    return this.#lifecycle.leave(async () => {
      const reachable = this.reachable();
      if (this.#shutDown('left')) this.#deregister(reachable);
    });
  }

  close(): void {
    this.#shutDown('closed');
  }

  #deregister(reachable: boolean): void {
    if (reachable) {
      this.#context.server.revoke(this.#leaseId);
    } else {
      // leave() must settle even when the server is unreachable; the lease then runs out by TTL.
      this.#context.logger.warn(
        { memberId: this.memberId },
        'in-memory server unreachable (partitioned); the registration will expire by TTL',
      );
    }
  }

  /** The server dropped this lease (TTL or expire()); a cut-off node only learns it once healed. */
  serverExpired(): void {
    if (this.reachable()) this.#markLost();
  }

  /** The node's network is back: learn of a lease lost meanwhile, and resynchronise every watch. */
  healed(): void {
    if (this.isClosed()) return;
    if (this.#lifecycle.active && !this.#context.server.hasLease(this.#leaseId)) this.#markLost();
    this.#watches.resyncAll();
  }

  /** For the lock: rejects unless this session may talk to the server now. */
  assertCanCall(operation: string): void {
    if (this.isClosed()) {
      throw new LifecycleError(`${operation} on a closed session of "${this.memberId}"; join again first.`, {
        source: SOURCE,
      });
    }
    if (!this.reachable()) throw this.unreachableError(operation);
    if (this.#lifecycle.state === 'lost' || !this.#context.server.hasLease(this.#leaseId)) {
      throw new SessionLostError(`${operation}: the lease of "${this.memberId}" has expired; join again.`, {
        source: SOURCE,
      });
    }
  }

  /** Hands `value` back after the node's reply latency on the clock (at once without one). */
  reply<T>(value: T): Promise<T> {
    const ms = this.#context.network.replyDelay(this.memberId);
    if (ms <= 0) return Promise.resolve(value);
    return new Promise<T>((resolve) => this.#context.clock.setTimer(() => resolve(value), ms));
  }

  /** Left or closed. */
  isClosed(): boolean {
    const { state } = this.#lifecycle;
    return state === 'left' || state === 'closed';
  }

  reachable(): boolean {
    return this.#context.network.reachable(this.memberId);
  }

  unreachableError(operation: string): BackendUnavailableError {
    return new BackendUnavailableError(
      `${operation}: node "${this.memberId}" cannot reach the in-memory server (partitioned); heal() it to reconnect.`,
      { source: SOURCE },
    );
  }

  #openWatch<E>(
    listener: (event: E) => void,
    register: (watch: Watch<E>) => Unsubscribe,
    current: () => E,
  ): Unsubscribe {
    return this.isClosed() ? () => {} : this.#watches.add(listener, register, current);
  }

  #lostError(): SessionLostError {
    return new SessionLostError(`The lease of "${this.memberId}" expired on the in-memory server.`, {
      source: SOURCE,
    });
  }

  #markLost(): void {
    if (this.#lifecycle.active) this.#lifecycle.lose(this.#lostError());
  }

  /** Ends the session as `next`; false when it had ended already. */
  #shutDown(next: 'left' | 'closed'): boolean {
    if (this.#lifecycle.end(next) === undefined) return false;
    this.#renewer?.stop();
    this.#watches.closeAll();
    this.#context.onClosed(this);
    return true;
  }

  #reportListenerError(error: unknown): void {
    this.#context.logger.error({ err: error, memberId: this.memberId }, 'a watch listener threw');
    this.#lifecycle.reportError(error instanceof Error ? error : new Error(String(error)));
  }
}
