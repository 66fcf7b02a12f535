import type { LockCalls } from '@election/core/adapter';
import type { Network } from './network.js';
import type { MemoryServer } from './server.js';

export interface MemoryLockContext {
  readonly server: MemoryServer;
  readonly network: Network;
  readonly node: string;
  /** The session's lease (set once the join registered it). */
  readonly lease: () => number;
  /** Whether the session is still active (not lost, left or closed). */
  readonly active: () => boolean;
  /** Rejects unless the session may talk to the server now (closed, cut off, lease gone). */
  readonly assertCanCall: (operation: string) => void;
}

/**
 * The leader lock's calls on the server, bound to the session's lease; the kit's SessionSkeleton
 * makes the LeaderLock of them. The server decides at once; its answer may spend time in flight
 * (cluster.latency()).
 */
export function memoryLockCalls(context: MemoryLockContext): LockCalls {
  const { server, network, node, lease, active, assertCanCall } = context;
  return {
    async attempt() {
      assertCanCall('lock.tryAcquire()');
      const blocker = server.holder()?.token;
      const token = await network.reply(node, server.acquire(lease()));
      return token === null ? { token, blocker } : { token };
    },
    async release(token) {
      // Releasing is clean-up: on a closed or expired session there is nothing this session holds.
      if (!active() || !server.hasLease(lease())) return;
      if (!network.reachable(node)) throw network.unreachable(node, 'lock.release()');
      server.release(lease(), token);
      await network.reply(node, undefined);
    },
    async transfer(token, to) {
      assertCanCall('lock.transfer()');
      return network.reply(node, server.transfer(lease(), token, to));
    },
  };
}
