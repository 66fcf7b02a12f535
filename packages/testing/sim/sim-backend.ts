import {
  type BackendCapabilities,
  DuplicateMemberError,
  type JoinRequest,
  type LeaderLock,
  type LockHolder,
  type Member,
  type MembershipBackend,
  type MembershipEvent,
  type MembershipSession,
  SessionLostError,
  type Unsubscribe,
} from '@election/core';
import { type Renewer, startRenewals, waitOutHolder } from '@election/core/adapter';
import type { HolderState, MemoryServer, Watch } from '../src/memory/server.js';
import type { SimLink, SimNetwork, SimStream } from './network.js';
import type { TransferFaults } from './transfer-faults.js';

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
  /** Jitter of the renewal loop's retries: the seed's, so a run replays exactly. */
  readonly random: () => number;
  /** Deliberate bug for the checker's own test: a release deletes the holding whatever its token. */
  readonly releaseIgnoresToken?: boolean;
  /** Deliberate bug: holder events reach the elector without their revision. */
  readonly holderWithoutRevision?: boolean;
  /** Deliberate bug: the deadline counts from when a renewal's answer arrived, not from when it was sent. */
  readonly renewFromReceive?: boolean;
  /** Every holder event as it reaches the process, before the elector sees it (the checker's record). */
  readonly onHolderDelivered: (holder: LockHolder, revision: bigint) => void;
  /** Every session this backend opened, for the world's faults and the checker. */
  readonly sessions: SimSession[];
  /** Counts what happened to transfers (and arms the transfer faults): see transfer-faults.ts. */
  readonly transfers?: TransferFaults;
  /** A transfer to `to` is being sent (the world's armed transfer faults act here). */
  readonly onTransferSent?: (to: string) => void;
}

type JoinAnswer = { readonly leaseId: number } | { readonly holderLease: number };

/**
 * A membership backend for one simulated process, on the in-memory server, with every request,
 * answer and watch event going over the simulated network. It behaves as the etcd adapter does:
 * the kit's renewal loop (`startRenewals`) keeps a lease-bound member key and leader key alive, a
 * renewal answered "lease gone" reports the session lost, and a join that finds its id held by
 * another lease waits that lease out (or revokes it at once with `takeover`).
 */
export function createSimBackend(context: SimBackendContext): MembershipBackend {
  return {
    name: 'sim',
    capabilities: SIM_CAPABILITIES,
    async join(request: JoinRequest): Promise<MembershipSession> {
      const { server, network, link } = context;
      const { member, ttlMs } = request;
      for (;;) {
        const sentAt = request.clock.now();
        const answer = await network.call(link, 'join', (): JoinAnswer => {
          const leaseId = server.register(member, ttlMs, () => {});
          if (leaseId !== null) context.transfers?.joined();
          return leaseId === null ? { holderLease: server.leaseOf(member.id) as number } : { leaseId };
        });
        if ('leaseId' in answer) {
          const session = new SimSession(context, request, answer.leaseId, sentAt);
          context.sessions.push(session);
          return session;
        }
        // A lease this very process renews is never revoked or waited out (as etcd's adapter does).
        if (context.sessions.some((s) => s.live && s.leaseId === answer.holderLease))
          throw new DuplicateMemberError(
            member.id,
            `"${member.id}" is registered by this very process (simulated).`,
          );
        if (request.takeover) {
          // Two requests, as etcd's adapter sends them: the revoke may land late, or never.
          await network.call(link, `revoke lease ${answer.holderLease} (takeover)`, () =>
            server.revoke(answer.holderLease),
          );
          continue;
        }
        await waitOutHolder<number>({
          clock: request.clock,
          signal: request.signal,
          logger: request.logger,
          id: member.id,
          pollMs: () => Math.max(50, Math.min(500, ttlMs / 4)),
          read: () => network.call(link, 'read lease', () => server.leaseRenewals(answer.holderLease)),
          judge: (renewals, first) => (renewals !== first ? 'renewed' : 'waiting'),
          duplicate: () =>
            new DuplicateMemberError(
              member.id,
              `"${member.id}" is registered by a lease that was renewed while this node waited (simulated).`,
            ),
        });
      }
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

interface OpenWatch {
  readonly resync: () => void;
  readonly rewind: (count: number) => void;
  readonly lag: (ms: number) => void;
  readonly stop: Unsubscribe;
}

export class SimSession implements MembershipSession {
  readonly lock: LeaderLock;
  readonly update: (member: Member) => Promise<void>;
  readonly leaseId: number;
  readonly memberId: string;
  readonly #context: SimBackendContext;
  readonly #ttlMs: number;
  readonly #renewer: Renewer;
  /** When the last acknowledged renewal's answer arrived (only the deliberate bug uses it). */
  #answeredAt: number;
  #status: 'live' | 'lost' | 'closed' = 'live';
  #lostCause: Error | undefined;
  readonly #lost = new Set<(cause: Error) => void>();
  readonly #errors = new Set<(error: Error) => void>();
  readonly #watches: OpenWatch[] = [];

  constructor(context: SimBackendContext, request: JoinRequest, leaseId: number, sentAt: number) {
    this.#context = context;
    this.leaseId = leaseId;
    this.memberId = request.member.id;
    this.#ttlMs = request.ttlMs;
    this.#answeredAt = sentAt;
    const { server, network, link } = context;
    this.update = (member) =>
      network.call(link, 'update', () => {
        if (!server.update(leaseId, member))
          throw new SessionLostError(`lease ${leaseId} not found (simulated)`);
      });
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
      transfer: (token, to) => {
        const op = context.transfers?.sent(to) ?? 0;
        context.onTransferSent?.(to);
        let committed = false;
        return network
          .call(link, `transfer(${token} → ${to})`, () => {
            if (!server.hasLease(leaseId))
              throw new SessionLostError(`lease ${leaseId} not found (simulated)`);
            const handed = server.transfer(leaseId, token, to);
            committed = handed !== null;
            return handed;
          })
          .then(
            (handed) => {
              context.transfers?.settled(op, { rejected: false, committed });
              return handed;
            },
            (error: unknown) => {
              context.transfers?.settled(op, { rejected: true, committed });
              throw error;
            },
          );
      },
      watchHolder: (listener) =>
        this.#watch<HolderState>(
          'holder',
          ({ holder, revision }) => {
            context.onHolderDelivered(holder, revision);
            listener(holder, context.holderWithoutRevision ? undefined : revision);
          },
          () => server.holderState(),
        ),
    };
    // The kit's own renewal loop, as every adapter runs it: the simulator tests it, not a copy.
    this.#renewer = startRenewals({
      ttlMs: request.ttlMs,
      clock: link.clock,
      startedAt: sentAt,
      retry: { random: context.random },
      renew: async () => {
        const alive = await network.call(link, 'keepalive', () => server.keepAlive(leaseId));
        if (!alive) return { alive: false, cause: this.#lostError() };
        this.#answeredAt = link.clock.now();
        return { alive: true };
      },
      onLost: (cause) => this.#markLost(cause),
      onError: (error) => {
        if (this.#status !== 'live') return;
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const listener of [...this.#errors]) listener(failure);
      },
    });
  }

  get live(): boolean {
    return this.#status === 'live';
  }

  deadline(): number {
    const deadline = this.#renewer.deadline();
    // The 'renew-from-receive' bug: counting from the answer moves the deadline past the lease's.
    return this.#context.renewFromReceive ? Math.max(deadline, this.#answeredAt + this.#ttlMs) : deadline;
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
    this.#renewer.stop();
    for (const watch of this.#watches.splice(0)) watch.stop();
    this.#lost.clear();
    this.#errors.clear();
  }

  /** The link came back: a watch reconnects with the current state; a lease gone meanwhile shows at the next renewal. */
  resyncWatches(): void {
    for (const watch of this.#watches) watch.resync();
  }

  /** Every watch restarts from an older revision: its last `count` events come again, in order. */
  rewindWatches(count: number): void {
    for (const watch of this.#watches) watch.rewind(count);
  }

  /** Every watch falls behind for `ms`: what arrives meanwhile is held back, in order (0 ends it). */
  lagWatches(ms: number): void {
    for (const watch of this.#watches) watch.lag(ms);
  }

  #watch<E>(label: string, listener: (event: E) => void, current: () => E): Unsubscribe {
    if (this.#status === 'closed') return () => {};
    const { server, network, link } = this.#context;
    const stream = network.stream<E>(link, `${label}`, listener);
    const shim = watchOn(stream, current);
    const stop =
      label === 'holder'
        ? server.watchHolder(shim as unknown as Watch<HolderState>)
        : server.watchMembers(shim as unknown as Watch<MembershipEvent>);
    const entry: OpenWatch = {
      resync: () => stream.resync(current()),
      rewind: (count) => stream.rewind(count),
      lag: (ms) => stream.lag(ms),
      stop,
    };
    this.#watches.push(entry);
    return () => {
      const index = this.#watches.indexOf(entry);
      if (index >= 0) this.#watches.splice(index, 1);
      stop();
    };
  }

  #lostError(): SessionLostError {
    return new SessionLostError(`the lease of "${this.memberId}" is gone (simulated)`);
  }

  #markLost(cause: Error): void {
    if (this.#status !== 'live') return;
    this.#status = 'lost';
    this.#renewer.stop();
    this.#lostCause = cause;
    for (const listener of [...this.#lost]) listener(cause);
    this.#lost.clear();
  }
}
