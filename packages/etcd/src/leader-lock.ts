import type { ElectionFeed, LockAttempt, LockCalls } from '@election/core/adapter';
import { CompareResult, CompareTarget, type Etcd3 } from 'etcd3';
import { toElectionError, within } from './errors.js';
import type { KeyLayout } from './keys.js';

export interface EtcdLeaderLockOptions {
  readonly client: Etcd3;
  readonly layout: KeyLayout;
  readonly memberId: string;
  readonly leaseId: string;
  /** The election as watched: the lease each member key is bound to. */
  readonly feed: Pick<ElectionFeed, 'ownerOf'>;
  readonly requestTimeoutMs: number;
}

/**
 * The leader lock's calls (the session skeleton makes the LeaderLock of them: the active-session
 * check, the holder watch). The leader key `<prefix>/<election>/leader`, bound to the holder's
 * lease, so it disappears with the holder's registration. The fencing token is the key's mod revision: the revision of the
 * transaction that gave it to its holder (created it, or handed it over by `transfer`), which etcd
 * only ever increases. A key only ever created has mod revision = create revision, so nodes that
 * read the create revision agree on every holding that was not handed over.
 */
export class EtcdLeaderLock implements LockCalls {
  readonly #options: EtcdLeaderLockOptions;

  constructor(options: EtcdLeaderLockOptions) {
    this.#options = options;
  }

  /**
   * Creates the leader key if absent. Refused, it names the blocking holding's token (its mod
   * revision): the skeleton tries again when the feed is already past it without it, so a null
   * answer is only given while the holder watch shows, or has yet to show, that holding.
   */
  async attempt(): Promise<LockAttempt<bigint>> {
    const { client, layout, memberId, leaseId, requestTimeoutMs } = this.#options;
    const key = Buffer.from(layout.leaderKey);
    let response: Awaited<ReturnType<Etcd3['kv']['txn']>>;
    try {
      response = await client.kv.txn(
        {
          // Create only if absent: a create revision of 0 means the key does not exist.
          compare: [{ key, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
          success: [{ request_put: { key, value: Buffer.from(memberId), lease: leaseId } }],
          failure: [{ request_range: { key } }],
        },
        within(requestTimeoutMs),
      );
    } catch (error) {
      throw toElectionError(error, 'take the leader lock');
    }
    if (response.succeeded) return { token: BigInt(response.header.revision) };
    const holder = response.responses[0]?.response_range?.kvs[0];
    // Deleted between the compare and the read: as good as "gone", try again.
    if (holder === undefined) return { token: null, blocker: 0n };
    const token = BigInt(holder.mod_revision);
    // Already ours (an earlier attempt whose answer was lost): hand back that holding's token.
    if (holder.lease === leaseId && holder.value.toString('utf8') === memberId) return { token };
    return { token: null, blocker: token };
  }

  async release(token: bigint): Promise<void> {
    const { client, layout, memberId, leaseId, requestTimeoutMs } = this.#options;
    const key = Buffer.from(layout.leaderKey);
    try {
      // Guarded by value, lease and mod revision: never delete a key that a later holder (or a
      // later holding of this same lease) created or was handed meanwhile, even if this arrives late.
      await client.kv.txn(
        {
          compare: [
            { key, target: CompareTarget.Value, result: CompareResult.Equal, value: Buffer.from(memberId) },
            { key, target: CompareTarget.Lease, result: CompareResult.Equal, lease: leaseId },
            { key, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: token.toString() },
          ],
          success: [{ request_delete_range: { key } }],
        },
        within(requestTimeoutMs),
      );
    } catch (error) {
      throw toElectionError(error, 'release the leader lock');
    }
  }

  /**
   * The direct handover, one transaction: if this session still holds the key with `token` (value,
   * lease and mod revision, as `release` checks) and `to`'s member key is bound to the lease this
   * node's view last saw for it, the leader key is rewritten for `to`, bound to that lease. A put on
   * the existing key: its mod revision (the new token) is this transaction's revision and its
   * version goes above 1, which is how the record says it was handed. (etcd refuses a delete and a
   * put of one key in one transaction, so the key is not re-created; the mod revision grows all
   * the same.) When `to` has died meanwhile its member key is gone and nothing is written; once
   * written, the key ends with `to`'s lease.
   */
  async transfer(token: bigint, to: string): Promise<bigint | null> {
    const { client, layout, memberId, leaseId, requestTimeoutMs, feed } = this.#options;
    const toLease = feed.ownerOf(to);
    if (toLease === undefined || toLease === '0') return null;
    const key = Buffer.from(layout.leaderKey);
    const memberKey = Buffer.from(layout.memberKey(to));
    let response: Awaited<ReturnType<Etcd3['kv']['txn']>>;
    try {
      response = await client.kv.txn(
        {
          compare: [
            { key, target: CompareTarget.Value, result: CompareResult.Equal, value: Buffer.from(memberId) },
            { key, target: CompareTarget.Lease, result: CompareResult.Equal, lease: leaseId },
            { key, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: token.toString() },
            { key: memberKey, target: CompareTarget.Lease, result: CompareResult.Equal, lease: toLease },
          ],
          success: [{ request_put: { key, value: Buffer.from(to), lease: toLease } }],
        },
        within(requestTimeoutMs),
      );
    } catch (error) {
      throw toElectionError(error, 'hand the leader lock over');
    }
    return response.succeeded ? BigInt(response.header.revision) : null;
  }
}
