import {
  acquireUnlessBlockerEnded,
  type HolderListener,
  type LeaderLock,
  type Unsubscribe,
} from '@election/core/adapter';
import type { MemoryServer } from './server.js';
import type { MemorySession } from './session.js';

/** The leader lock as one session sees it: bound to that session's lease, gone when the lease goes. */
export class MemoryLock implements LeaderLock {
  readonly #session: MemorySession;
  readonly #server: MemoryServer;

  constructor(session: MemorySession, server: MemoryServer) {
    this.#session = session;
    this.#server = server;
  }

  /**
   * The server decides now; the answer may spend time in flight (cluster.latency()). A null answer
   * is only given while the holder watch shows, or has yet to show, the holding that blocked it
   * (the contract's rule): when that holding ended while the answer was in flight (its end may
   * reach the watch first), the attempt is repeated instead, as etcd's adapter does.
   */
  tryAcquire(): Promise<bigint | null> {
    return acquireUnlessBlockerEnded(
      async () => {
        this.#session.assertCanCall('lock.tryAcquire()');
        const blocker = this.#server.holder()?.token;
        const token = await this.#session.reply(this.#server.acquire(this.#session.lease));
        return token === null ? { token, blocker } : { token };
      },
      (blocker) => this.#server.holder()?.token !== blocker,
    );
  }

  async release(token: bigint): Promise<void> {
    // Releasing is clean-up: on a closed or expired session there is nothing this session holds.
    if (this.#session.isClosed() || !this.#server.hasLease(this.#session.lease)) return;
    if (!this.#session.reachable()) throw this.#session.unreachableError('lock.release()');
    this.#server.release(this.#session.lease, token);
    await this.#session.reply(undefined);
  }

  async transfer(token: bigint, to: string): Promise<bigint | null> {
    this.#session.assertCanCall('lock.transfer()');
    return this.#session.reply(this.#server.transfer(this.#session.lease, token, to));
  }

  watchHolder(listener: HolderListener): Unsubscribe {
    return this.#session.watchHolder(listener);
  }
}
