import {
  BackendUnavailableError,
  type Clock,
  createErrorMapper,
  type Logger,
  type Member,
  SessionLostError,
  SessionSkeleton,
} from '@election/core/adapter';
import { SOURCE } from '../source.js';
import { memoryFeed } from './feed.js';
import { memoryLockCalls } from './lock.js';
import type { Network } from './network.js';
import type { MemoryServer } from './server.js';

export interface SessionContext {
  readonly server: MemoryServer;
  readonly network: Network;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly member: Member;
  readonly ttlMs: number;
  readonly withLock: boolean;
  /** Called once when the session stops being active (lost, left, closed). */
  readonly ended: () => void;
}

/** One node's registration on the in-memory server: the kit's session, and what the cluster tells it. */
export interface MemorySession {
  readonly memberId: string;
  /** What core gets: the kit's SessionSkeleton on the server's primitives. */
  readonly session: SessionSkeleton;
  /** Binds the session to the lease the server granted at join, and starts renewing it. */
  attach(leaseId: number): void;
  /** The server dropped the lease (TTL, expire()): a cut-off node only learns it once healed. */
  serverExpired(): void;
  /** The node's network is back: a lease lost meanwhile is reported (by the feed's resync if it runs). */
  healed(): void;
}

const toElectionError = createErrorMapper(SOURCE);

/**
 * The memory session: the kit's SessionSkeleton on the server's calls. Renews its lease every
 * ttl/3 on the clock; the deadline is the send time of the last acknowledged renewal plus the TTL,
 * so it stops moving while the node is partitioned, exactly when the server stops hearing from it.
 */
export function openMemorySession(context: SessionContext): MemorySession {
  const { server, network, clock, logger, ttlMs } = context;
  const id = context.member.id;
  const startedAt = clock.now();
  let leaseId = 0;
  const lostError = () =>
    new SessionLostError(`The lease of "${id}" expired on the in-memory server.`, { source: SOURCE });
  const lostNow = () => {
    if (!server.hasLease(leaseId)) session.lose(lostError());
  };
  const assertCanCall = (operation: string) => {
    const { state } = session.lifecycle;
    if (state === 'left' || state === 'closed') session.assertActive(operation);
    if (!network.reachable(id)) throw network.unreachable(id, operation);
    if (state === 'lost' || !server.hasLease(leaseId))
      throw new SessionLostError(message('lost', operation), { source: SOURCE });
  };
  const message = (state: string, operation: string) =>
    state === 'lost'
      ? `${operation}: the lease of "${id}" has expired; join again.`
      : `${operation} on a closed session of "${id}"; join again first.`;
  const feed = memoryFeed({
    server,
    network,
    clock,
    logger,
    node: id,
    // A resync read after a heal: the lease may have run out meanwhile.
    published: lostNow,
    onError: (error) => session.reportError(error),
  });
  const session: SessionSkeleton = new SessionSkeleton({
    logger,
    clock,
    source: SOURCE,
    what: 'memory session',
    message,
    mapError: toElectionError,
    feed,
    ...(context.withLock
      ? {
          lock: memoryLockCalls({
            ...{ server, network, node: id, lease: () => leaseId, assertCanCall },
            active: () => session.lifecycle.active,
          }),
        }
      : {}),
    renewals: {
      ttlMs,
      startedAt,
      intervalMs: ttlMs / 3,
      // A failed renewal is retried on the same ttl/3 beat, without jitter: runs stay deterministic.
      retry: { initialMs: ttlMs / 3, maxMs: ttlMs / 3, random: () => 1 },
      action: 'renew the lease',
      renew: async () => {
        if (!network.reachable(id)) throw network.unreachable(id, 'lease renewal');
        // The server renews now; the answer may spend time in flight (cluster.latency()).
        const alive = server.keepAlive(leaseId);
        return network.reply(id, alive ? { alive: true } : { alive: false, cause: lostError() });
      },
    },
    initialDeadline: startedAt + ttlMs,
    ended: context.ended,
    // leave() settles at once when the node is cut off: the lease then runs out by TTL.
    revoke: async () => {
      if (!network.reachable(id)) {
        const message = `node "${id}" cannot reach the in-memory server (partitioned) to revoke its lease`;
        throw new BackendUnavailableError(message, { source: SOURCE });
      }
      server.revoke(leaseId);
    },
    revokeAction: 'revoke the lease',
    leaveTimeoutMs: ttlMs,
    assertUpdatable: () => assertCanCall('update()'),
    // Rewrites the record in place (a new priority, say); see MemoryServer.update.
    update: async (member) => {
      if (!server.update(leaseId, member)) return false;
      await network.reply(id, undefined);
      return true;
    },
    updateLost: (member) => `update(): the registration of "${member.id}" is gone; join again.`,
  });
  return {
    memberId: id,
    session,
    attach(lease) {
      leaseId = lease;
      session.start();
    },
    serverExpired() {
      if (network.reachable(id)) session.lose(lostError());
    },
    healed() {
      if (!feed.started) lostNow();
    },
  };
}
