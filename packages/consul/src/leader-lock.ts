import type { LeaderLock, Listeners, LockHolder } from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { summarize } from './errors.js';
import { encodeHolder } from './member-codec.js';

export interface LeaderLockOptions {
  readonly api: ConsulApi;
  readonly leaderKey: string;
  readonly sessionId: string;
  readonly memberId: string;
  readonly holders: Listeners<LockHolder>;
  /** Aborted when the session is lost, closed or left: pending lock requests stop with it. */
  readonly signal: AbortSignal;
  /** Throws SessionLostError (or LifecycleError) unless the session is still active. */
  readonly ensureActive: () => void;
  /** Consul said the session is invalid: the session reports itself lost and this throws it. */
  readonly sessionInvalid: (cause: unknown) => Error;
}

/**
 * The leader lock: `<prefix>/<election>/leader` acquired with the node's session. The fencing token
 * is the key's ModifyIndex right after acquisition. Consul's index is global and only grows, so a
 * later holding (even of a deleted and re-created key) always has a larger token.
 */
export class ConsulLeaderLock implements LeaderLock {
  readonly #options: LeaderLockOptions;
  /** The holding this session took: its token (ModifyIndex) and LockIndex. */
  #holding: { readonly token: bigint; readonly lockIndex: bigint } | undefined;
  /**
   * Tokens this lock handed out (the latest few). A release names one of them or does nothing:
   * `DELETE ?cas` checks the index, not the session, so a token of another session's holding must
   * never reach it.
   */
  readonly #issued: bigint[] = [];

  constructor(options: LeaderLockOptions) {
    this.#options = options;
  }

  async #current(): Promise<{ token: bigint; lockIndex: bigint } | undefined> {
    const { api, leaderKey, sessionId, signal } = this.#options;
    const entry = await api.get(leaderKey, signal);
    if (entry === undefined || entry.session !== sessionId) return undefined;
    return { token: entry.modifyIndex, lockIndex: entry.lockIndex };
  }

  async tryAcquire(): Promise<bigint | null> {
    const { api, leaderKey, sessionId, memberId, signal } = this.#options;
    this.#options.ensureActive();
    if (this.#holding !== undefined) {
      // Same session and same LockIndex: still the holding we took, so still its token.
      const now = await this.#current();
      if (now !== undefined && now.lockIndex === this.#holding.lockIndex) return this.#holding.token;
      this.#holding = undefined;
    }
    let acquired: boolean;
    try {
      acquired = await api.acquire(leaderKey, encodeHolder(memberId), sessionId, signal);
    } catch (error) {
      if (/invalid session/i.test(summarize((error as { cause?: unknown }).cause ?? error).message)) {
        throw this.#options.sessionInvalid(error);
      }
      throw error;
    }
    if (!acquired) return null;
    this.#holding = await this.#current();
    if (this.#holding === undefined) return null;
    this.#issued.push(this.#holding.token);
    if (this.#issued.length > 16) this.#issued.shift();
    return this.#holding.token;
  }

  /**
   * Releases the holding whose token is `token`, and only that one: `DELETE ?cas=<token>`. A
   * `PUT ?release=<session>` cannot do this. It frees whatever holding the session has, and Consul
   * does not combine it with `cas`: agent/kvs_endpoint.go (KVSPut) sets the operation from each
   * flag in turn, so `release` overrides `cas`, and newer versions answer 400 "Conflicting flags".
   * `DELETE` with `cas` is the check-and-delete (api.KVDeleteCAS) that answers true only while the
   * key's ModifyIndex is still `token`. A stale release (its call timed out and arrived after this
   * session took the lock again) thus finds a newer ModifyIndex and deletes nothing. Deleting the
   * key rather than unlocking it frees the lock the same way (acquire creates the key again) and
   * skips the lock-delay, as an explicit release does.
   */
  async release(token?: bigint): Promise<void> {
    const { api, leaderKey, signal } = this.#options;
    const target = token ?? this.#holding?.token;
    if (signal.aborted || target === undefined || !this.#issued.includes(target)) {
      // Lost: Consul already dropped the key. Closed: walking away touches nothing, as a crash would.
      // A token this session never held: not ours to release.
      if (this.#holding?.token === target) this.#holding = undefined;
      return;
    }
    await api.deleteIfUnchanged(leaderKey, target, signal);
    if (this.#holding?.token === target) this.#holding = undefined;
  }

  watchHolder(listener: (holder: LockHolder) => void) {
    return this.#options.holders.add(listener);
  }
}
