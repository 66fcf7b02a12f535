import {
  type BackendCapabilities,
  DuplicateMemberError,
  type JoinRequest,
  type LeaderLock,
  type LockHolder,
  type MembershipBackend,
  type MembershipEvent,
  type MembershipSession,
  SessionLostError,
  type Unsubscribe,
} from '@election/core';
import type { MemoryServer } from '../src/memory/server.js';
import type { Watch } from '../src/memory/watch.js';
import type { SimLink, SimNetwork, SimStream } from './network.js';

export const SIM_CAPABILITIES: BackendCapabilities = {
  lock: true,
  minTtlMs: 1000,
  maxTtlMs: 60_000,
  wholeSecondTtl: false,
  defaultTtlMs: 3000,
};

export interface SimBackendContext {
  /** The in-memory backend's server (leases, lease-bound keys, the lock, the revision counter). */
  readonly server: MemoryServer;
  readonly network: SimNetwork;
  readonly link: SimLink;
  /** Deliberate bug for the checker's own test: a release deletes the holding whatever its token. */
  readonly releaseIgnoresToken?: boolean;
  /** Deliberate bug: the deadline counts from when a renewal's answer arrived, not from when it was sent. */
  readonly renewFromReceive?: boolean;
  /** Every session this backend opened, for the world's faults and the checker. */
  readonly sessions: SimSession[];
}

/**
 * A membership backend for one simulated process, on the in-memory server, with every request,
 * answer and watch event going over the simulated network. It behaves as the etcd adapter does:
 * renewals every TTL/3 whose deadline is the send time of the last acknowledged one plus the TTL,
 * a lease-bound member key and leader key, a renewal answered "lease gone" reports the session lost.
 */
export function createSimBackend(context: SimBackendContext): MembershipBackend {
  return {
    name: 'sim',
    capabilities: SIM_CAPABILITIES,
    async join(request: JoinRequest): Promise<MembershipSession> {
      const { server, network, link } = context;
      const sentAt = request.clock.now();
      const leaseId = await network.call(link, 'join', () =>
        server.register(request.member, request.ttlMs, () => {}),
      );
      if (leaseId === null) {
        throw new DuplicateMemberError(
          request.member.id,
          `"${request.member.id}" is registered by a live lease.`,
        );
      }
      const session = new SimSession(context, request, leaseId, sentAt);
      context.sessions.push(session);
      return session;
    },
    async close() {},
  };
}

/** Adapts a simulated stream to the server's watch interface (start = current state, then pushes). */
function watchOn<E>(stream: SimStream<E>, current: () => E): Watch<E> {
  const shim = {
    start() {
      stream.resync(current());
      return shim;
    },
    push: (event: E) => stream.push(event),
    resync: () => stream.resync(current()),
    close: () => stream.close(),
  };
  return shim as unknown as Watch<E>;
}

export class SimSession implements MembershipSession {
  readonly lock: LeaderLock;
  readonly leaseId: number;
  readonly memberId: string;
  readonly #context: SimBackendContext;
  readonly #ttlMs: number;
  #deadline: number;
  #status: 'live' | 'lost' | 'closed' = 'live';
  #lostCause: Error | undefined;
  readonly #lost = new Set<(cause: Error) => void>();
  readonly #errors = new Set<(error: Error) => void>();
  readonly #watches: { resync: () => void; stop: Unsubscribe }[] = [];
  #cancelRenewal: () => void = () => {};

  constructor(context: SimBackendContext, request: JoinRequest, leaseId: number, sentAt: number) {
    this.#context = context;
    this.leaseId = leaseId;
    this.memberId = request.member.id;
    this.#ttlMs = request.ttlMs;
    this.#deadline = sentAt + request.ttlMs;
    const { server, network, link } = context;
    this.lock = {
      tryAcquire: () =>
        network.call(link, 'tryAcquire', () => {
          if (!server.hasLease(leaseId)) throw new SessionLostError(`lease ${leaseId} not found (simulated)`);
          return server.acquire(leaseId);
        }),
      release: (token) =>
        network.call(link, `release(${token})`, () =>
          server.release(leaseId, context.releaseIgnoresToken ? undefined : token),
        ),
      watchHolder: (listener) => this.#watch<LockHolder>('holder', listener, () => server.holder()),
    };
    this.#scheduleRenewal();
  }

  get live(): boolean {
    return this.#status === 'live';
  }

  deadline(): number {
    return this.#deadline;
  }

  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    const { server } = this.#context;
    return this.#watch<MembershipEvent>('members', listener, () => ({
      type: 'snapshot',
      members: server.members(),
    }));
  }

  onLost(listener: (cause: Error) => void): Unsubscribe {
    const cause = this.#lostCause;
    if (cause) {
      let cancelled = false;
      queueMicrotask(() => {
        if (!cancelled) listener(cause);
      });
      return () => {
        cancelled = true;
      };
    }
    this.#lost.add(listener);
    return () => this.#lost.delete(listener);
  }

  onError(listener: (error: Error) => void): Unsubscribe {
    this.#errors.add(listener);
    return () => this.#errors.delete(listener);
  }

  async leave(): Promise<void> {
    if (this.#status === 'closed') return;
    this.close();
    const { server, network, link } = this.#context;
    await network.call(link, 'revoke', () => server.revoke(this.leaseId)).catch(() => {});
  }

  close(): void {
    this.#status = 'closed';
    this.#cancelRenewal();
    for (const watch of this.#watches.splice(0)) watch.stop();
    this.#lost.clear();
    this.#errors.clear();
  }

  /** The link came back: a watch reconnects with the current state; a lease gone meanwhile shows at the next renewal. */
  resyncWatches(): void {
    for (const watch of this.#watches) watch.resync();
  }

  #watch<E>(label: string, listener: (event: E) => void, current: () => E): Unsubscribe {
    if (this.#status === 'closed') return () => {};
    const { server, network, link } = this.#context;
    const stream = network.stream<E>(link, `${label}`, listener);
    const shim = watchOn(stream, current);
    const stop =
      label === 'holder'
        ? server.watchHolder(shim as unknown as Watch<LockHolder>)
        : server.watchMembers(shim as unknown as Watch<MembershipEvent>);
    const entry = { resync: () => stream.resync(current()), stop };
    this.#watches.push(entry);
    return () => {
      const index = this.#watches.indexOf(entry);
      if (index >= 0) this.#watches.splice(index, 1);
      stop();
    };
  }

  #scheduleRenewal(): void {
    this.#cancelRenewal = this.#context.link.clock.setTimer(() => this.#renew(), this.#ttlMs / 3);
  }

  #renew(): void {
    if (this.#status !== 'live') return;
    const { server, network, link } = this.#context;
    const sentAt = link.clock.now();
    network
      .call(link, 'keepalive', () => server.keepAlive(this.leaseId))
      .then(
        (alive) => {
          if (this.#status !== 'live') return;
          const from = this.#context.renewFromReceive ? link.clock.now() : sentAt;
          if (alive) this.#deadline = Math.max(this.#deadline, from + this.#ttlMs);
          else this.#markLost();
        },
        (error: Error) => {
          if (this.#status === 'live') for (const listener of [...this.#errors]) listener(error);
        },
      );
    this.#scheduleRenewal();
  }

  #markLost(): void {
    this.#status = 'lost';
    this.#cancelRenewal();
    const cause = new SessionLostError(`the lease of "${this.memberId}" is gone (simulated)`);
    this.#lostCause = cause;
    for (const listener of [...this.#lost]) listener(cause);
    this.#lost.clear();
  }
}
