import type { ElectionFeed, LockAttempt, LockCalls } from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { summarize } from './errors.js';
import { encodeHolder } from './member-codec.js';

export interface LeaderLockOptions {
  readonly api: ConsulApi;
  readonly leaderKey: string;
  readonly sessionId: string;
  readonly memberId: string;
  /** This session's lock-delay (ms), written into the leader key's value for followers. */
  readonly lockDelayMs: number;
  /** The session's election feed: the session holding each member key in the watch's last snapshot. */
  readonly feed: Pick<ElectionFeed, 'ownerOf'>;
  /** Consul refused the key while no session held it: a lock-delay runs (lock-delay.ts). */
  readonly lockDelayed: () => void;
  /** Aborted when the session is lost, closed or left: pending lock requests stop with it. */
  readonly signal: AbortSignal;
  /** Consul said the session is invalid: the session reports itself lost and this throws it. */
  readonly sessionInvalid: (cause: unknown) => Error;
  /** `id`'s member key. */
  readonly memberKey: (id: string) => string;
}

/**
 * The leader lock's calls (the session skeleton makes the LeaderLock of them: the active-session
 * check; the holder watch is the feed's, each holder with the X-Consul-Index of its snapshot: a
 * holding's token is the ModifyIndex of its acquisition, so a snapshot at an index at or above it
 * was read after the holding was written, api-docs/features/blocking).
 * The leader lock: `<prefix>/<election>/leader` acquired with the node's session. The fencing token
 * is the key's ModifyIndex right after acquisition. Consul's index is global and only grows, so a
 * later holding (even of a deleted and re-created key) always has a larger token.
 */
export class ConsulLeaderLock implements LockCalls {
  readonly #options: LeaderLockOptions;
  /** The holding this session took: its token (ModifyIndex) and LockIndex. */
  #holding: { readonly token: bigint; readonly lockIndex: bigint } | undefined;

  constructor(options: LeaderLockOptions) {
    this.#options = options;
  }

  /**
   * Tries once to take the leader key. It reads the key first:
   * - held by this session: that holding is kept, with its token (an acquisition whose answer was
   *   lost, or a holding that survived an outage while core had demoted the node at its deadline),
   *   without a write. Acquiring again would change nothing: Consul's kvsLockTxn keeps LockIndex
   *   for the holder's own session, and kvsSetTxn (agent/consul/state/kvs.go) skips a write whose
   *   entry equals the existing one (structs.DirEntry.Equal ignores the raft indexes), so the
   *   ModifyIndex stays too. But a plain write by someone else (same session, another value) may
   *   have moved the ModifyIndex since: a holding we took keeps the token we took it with while
   *   its LockIndex is unchanged.
   * - held by another session: null, without a write that could only fail.
   * - free: `PUT ?acquire=<session>`, then the token is the ModifyIndex read right after. Refused
   *   with the key still free means a lock-delay runs: the holder watch is told (lock-delay.ts).
   * A refusal names no blocker: the holder watch shows (or, under lock-delay, keeps showing) it.
   */
  async attempt(): Promise<LockAttempt<undefined>> {
    const refused = { token: null, blocker: undefined };
    const { api, leaderKey, sessionId, memberId, signal } = this.#options;
    const entry = await api.get(leaderKey, signal);
    if (entry?.session === sessionId) {
      if (this.#holding?.lockIndex !== entry.lockIndex) {
        this.#holding = { token: entry.modifyIndex, lockIndex: entry.lockIndex };
      }
      return { token: this.#holding.token };
    }
    this.#holding = undefined;
    if (entry?.session !== undefined) return refused;
    let acquired: boolean;
    try {
      acquired = await api.acquire(
        leaderKey,
        encodeHolder(memberId, this.#options.lockDelayMs),
        sessionId,
        signal,
      );
    } catch (error) {
      if (/invalid session/i.test(summarize((error as { cause?: unknown }).cause ?? error).message)) {
        throw this.#options.sessionInvalid(error);
      }
      throw error;
    }
    const now = await api.get(leaderKey, signal);
    if (!acquired) {
      if (now?.session === undefined) this.#options.lockDelayed();
      return refused;
    }
    if (now === undefined || now.session !== sessionId) return refused;
    this.#holding = { token: now.modifyIndex, lockIndex: now.lockIndex };
    return { token: this.#holding.token };
  }

  /**
   * Releases the holding whose token is `token`, and only if this session holds it. A
   * `PUT ?release=<session>` cannot do this: it frees whatever holding the session has, and Consul
   * does not combine it with `cas`. In agent/kvs_endpoint.go (KVSPut) each flag sets the operation
   * in turn, so `release` overrides `cas`, and newer versions answer 400 "Conflicting flags".
   *
   * So: read the key, and if this session holds it at ModifyIndex `token`, `DELETE ?cas=<token>`:
   * Consul's check-and-delete (api.KVDeleteCAS) that deletes only while the ModifyIndex is still
   * `token`. Every change to a key (a lock, an unlock, an invalidated session, a write) moves its
   * ModifyIndex, so a delete that succeeds deleted exactly the holding the read showed: this
   * session's, with this token. A stale release (its call timed out and arrived after this session
   * took the lock again) finds a newer ModifyIndex and deletes nothing. A token core learned from
   * the holder watch (an acquisition whose answer was lost) is released the same way. Deleting
   * rather than unlocking frees the lock alike (acquire creates the key again) and skips the
   * lock-delay, as an explicit release does.
   */
  async release(token?: bigint): Promise<void> {
    const { api, leaderKey, sessionId, signal } = this.#options;
    const target = token ?? this.#holding?.token;
    // Lost: Consul already dropped the key. Closed: walking away touches nothing, as a crash would.
    if (signal.aborted || target === undefined) return;
    const entry = await api.get(leaderKey, signal);
    if (entry !== undefined && entry.session === sessionId && entry.modifyIndex === target) {
      await api.deleteIfUnchanged(leaderKey, target, signal);
    }
    if (this.#holding?.token === target) this.#holding = undefined;
  }

  /**
   * The direct handover, one `/v1/txn` (agent/txn_endpoint.go; its KV verbs run in one state-store
   * transaction, agent/consul/state/txn.go txnKVS, all or nothing):
   *   check-index leader = token      this session's holding, exactly (kvsCheckIndexTxn)
   *   check-session leader = ours     and still locked by this session (kvsCheckSessionTxn)
   *   check-session members/<to>      `to` registered with the session the watch last showed
   *   unlock leader (our session)     kvsUnlockTxn: only the holder may unlock
   *   lock leader (to's session)      kvsLockTxn takes the session from the operation: any live
   *                                   session, not only the caller's; LockIndex + 1, ModifyIndex =
   *                                   this transaction's index (the new, greater token)
   * An unlock sets no lock-delay (that is set only when a session is invalidated while holding,
   * state/session.go), so the lock is not refused; a lock-delay left by an earlier holder's
   * expiry still refuses it in the pre-check (kvsPreApply), and the whole transaction with it.
   * A successor whose session died meanwhile fails "invalid session" or its check: nothing is
   * written (null), core releases instead. Once written, the key is the successor's and goes
   * with its session (behavior delete). The value says `handed`.
   */
  async transfer(token: bigint, to: string): Promise<bigint | null> {
    const { api, leaderKey, sessionId, signal } = this.#options;
    const successor = this.#options.feed.ownerOf(to);
    if (successor === undefined) return null;
    const value = encodeHolder(to, undefined, true);
    const results = await api.txn(
      [
        { verb: 'check-index', key: leaderKey, index: token },
        { verb: 'check-session', key: leaderKey, session: sessionId },
        { verb: 'check-session', key: this.#options.memberKey(to), session: successor },
        { verb: 'unlock', key: leaderKey, value, session: sessionId },
        { verb: 'lock', key: leaderKey, value, session: successor },
      ],
      signal,
    );
    if (this.#holding?.token === token) this.#holding = undefined;
    const locked = results?.at(-1);
    return locked === undefined || locked.session !== successor ? null : locked.modifyIndex;
  }
}
