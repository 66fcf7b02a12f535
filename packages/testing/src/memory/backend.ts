import {
  type BackendCapabilities,
  BackendLifecycle,
  type Clock,
  ConfigurationError,
  type DuplicateMemberError,
  duplicateMember,
  type JoinRequest,
  joinRounds,
  type MembershipBackend,
  type MembershipSession,
  waitOutHolder,
} from '@election/core/adapter';
import { SOURCE } from '../source.js';
import type { Network } from './network.js';
import type { MemoryServer } from './server.js';
import { type MemorySession, openMemorySession } from './session.js';

export interface BackendContext {
  readonly server: MemoryServer;
  readonly network: Network;
  readonly clock: Clock;
  readonly capabilities: BackendCapabilities;
  readonly track: (session: MemorySession) => void;
  readonly untrack: (session: MemorySession) => void;
}

/** One node's handle on the shared in-memory server (what an etcd client is to an etcd cluster). */
export class MemoryBackend implements MembershipBackend {
  readonly name = 'memory';
  readonly capabilities: BackendCapabilities;
  readonly #lifecycle = new BackendLifecycle({
    source: SOURCE,
    what: 'memory backend',
    closedMessage: 'join() on a closed memory backend; create a new one with cluster.backend().',
  });

  readonly #context: BackendContext;
  /** What each adopted session calls when it ends (BackendLifecycle.join's `ended`). */
  readonly #ends = new WeakMap<MemorySession, () => void>();

  constructor(context: BackendContext) {
    this.#context = context;
    this.capabilities = context.capabilities;
  }

  async join(request: JoinRequest): Promise<MembershipSession> {
    return this.#lifecycle.join({
      signal: request.signal,
      // `signal` aborts on the request's signal or on close(): a wait for a previous registration ends.
      // The answer's way back (the reply latency) is part of the join: a close() meanwhile discards it.
      register: async (_, signal) => {
        const made = await this.#register({ ...request, signal });
        try {
          return await this.#context.network.reply(request.member.id, made, signal);
        } catch (error) {
          this.#context.server.revoke(made.leaseId); // registered, but the join gave up on the answer
          throw error;
        }
      },
      // close() came during the join: the registration goes, as a leave would take it.
      discard: async ({ leaseId }) => this.#context.server.revoke(leaseId),
      open: ({ session, leaseId }, _, ended) => {
        this.#ends.set(session, ended);
        this.#context.track(session);
        session.attach(leaseId);
        return session.session;
      },
    });
  }

  /** A joining node's session and the lease it registered. */
  async #register(request: JoinRequest) {
    request.signal.throwIfAborted();
    if (request.clock !== this.#context.clock) {
      // Deadlines from one clock compared against another would be meaningless (and fake time would
      // never reach the server's lease timers), so refuse instead of electing nonsense.
      throw new ConfigurationError(
        'The elector and the memory cluster run on different clocks; pass the clock given to ' +
          'createMemoryCluster({ clock }) to createElector({ clock }) as well.',
        { source: SOURCE },
      );
    }
    // core has checked request.ttlMs against this.capabilities; no second check here.
    const { server, network } = this.#context;
    const id = request.member.id;
    const session: MemorySession = openMemorySession({
      server,
      network,
      clock: this.#context.clock,
      logger: request.logger,
      member: request.member,
      ttlMs: request.ttlMs,
      withLock: this.capabilities.lock,
      ended: () => {
        this.#ends.get(session)?.();
        this.#context.untrack(session);
      },
    });
    if (!network.reachable(id)) throw network.unreachable(id, 'join()');
    // Another lease holds the id (this id's previous process, crashed): revoke it under `takeover`,
    // else wait it out; only a holder that keeps renewing is a duplicate.
    const leaseId = await joinRounds<number, number>({
      signal: request.signal,
      takeover: request.takeover,
      register: async () => {
        const granted = server.register(request.member, request.ttlMs, () => session.serverExpired());
        return granted === null ? { holder: server.leaseOf(id) } : { registered: granted };
      },
      revoke: async (holder) => {
        request.logger.info({ memberId: id }, 'takeover: revoking the previous registration of this id');
        server.revoke(holder);
      },
      // Only a holder seen renewed (its keepalive count moved) is a duplicate.
      waitOut: (holder) =>
        waitOutHolder<number>({
          clock: this.#context.clock,
          signal: request.signal,
          logger: request.logger,
          id,
          fields: { memberId: id },
          pollMs: () => Math.max(50, Math.min(500, request.ttlMs / 4)),
          read: async () => {
            if (!network.reachable(id)) throw network.unreachable(id, 'join()');
            return server.leaseRenewals(holder);
          },
          judge: (renewals, first) => (renewals !== first ? 'renewed' : 'waiting'),
          duplicate: () => duplicateError(id),
        }),
    });
    return { session, leaseId };
  }

  /** Closes every session this backend opened (they stop renewing and expire by TTL). Idempotent. */
  close(): Promise<void> {
    return this.#lifecycle.close();
  }
}

function duplicateError(id: string): DuplicateMemberError {
  return duplicateMember({
    source: SOURCE,
    id,
    evidence: 'its lease was renewed while this node waited for it to expire',
  });
}
