import type { ElectionError, LeaderLock, LockHolder } from '@election/core';
import type { ConsulApi } from './consul-api.js';
import { summarize } from './consul-errors.js';
import type { Feed } from './feed.js';
import { encodeHolder } from './member-codec.js';

export interface LeaderLockOptions {
  readonly api: ConsulApi;
  readonly leaderKey: string;
  readonly sessionId: string;
  readonly memberId: string;
  readonly holders: Feed<LockHolder>;
  /** Aborted when the session is lost, closed or left: pending lock requests stop with it. */
  readonly signal: AbortSignal;
  /** Throws SessionLostError (or LifecycleError) unless the session is still active. */
  readonly ensureActive: () => void;
  /** Consul said the session is invalid: the session reports itself lost and this throws it. */
  readonly sessionInvalid: (cause: unknown) => ElectionError;
}

interface Holding {
  readonly token: bigint;
  readonly lockIndex: bigint;
}

/**
 * The leader lock: `<prefix>/<election>/leader` acquired with the node's session. The fencing token
 * is the key's ModifyIndex right after acquisition. Consul's index is global and only grows, so a
 * later holding (even of a deleted and re-created key) always has a larger token.
 */
export function createLeaderLock(options: LeaderLockOptions): LeaderLock {
  const { api, leaderKey, sessionId, signal } = options;
  let holding: Holding | undefined;

  async function currentHolding(): Promise<Holding | undefined> {
    const entry = await api.get(leaderKey, signal);
    if (entry === undefined || entry.session !== sessionId) return undefined;
    return { token: entry.modifyIndex, lockIndex: entry.lockIndex };
  }

  return {
    async tryAcquire() {
      options.ensureActive();
      if (holding !== undefined) {
        // Same session and same LockIndex: still the holding we took, so still its token.
        const now = await currentHolding();
        if (now !== undefined && now.lockIndex === holding.lockIndex) return holding.token;
        holding = undefined;
      }
      let acquired: boolean;
      try {
        acquired = await api.acquire(leaderKey, encodeHolder(options.memberId), sessionId, signal);
      } catch (error) {
        if (/invalid session/i.test(summarize((error as { cause?: unknown }).cause ?? error).message)) {
          throw options.sessionInvalid(error);
        }
        throw error;
      }
      if (!acquired) return null;
      holding = await currentHolding();
      return holding?.token ?? null;
    },
    async release() {
      if (signal.aborted) {
        // Lost: Consul already dropped the key. Closed: walking away touches nothing, as a crash would.
        holding = undefined;
        return;
      }
      // Consul releases only when this session holds the key, which is exactly the contract.
      await api.release(leaderKey, '', sessionId, signal);
      holding = undefined;
    },
    watchHolder(listener) {
      return options.holders.subscribe(listener);
    },
  };
}
