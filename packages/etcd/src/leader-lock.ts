import type { HolderListener, LeaderLock, Unsubscribe } from '@election/core/adapter';
import { CompareResult, CompareTarget, type Etcd3 } from 'etcd3';
import type { ElectionView } from './election-view.js';
import type { ElectionWatcher } from './election-watcher.js';
import { toElectionError, within } from './errors.js';
import type { KeyLayout } from './keys.js';

export interface EtcdLeaderLockOptions {
  readonly client: Etcd3;
  readonly layout: KeyLayout;
  readonly memberId: string;
  readonly leaseId: string;
  readonly watcher: ElectionWatcher;
  /** The watched view: tells whether a holder that blocked an attempt is already known gone. */
  readonly view: ElectionView;
  readonly requestTimeoutMs: number;
  /** Throws when the session can no longer take the lock (lost, left, closed). */
  readonly assertUsable: () => void;
}

/**
 * The leader key `<prefix>/<election>/leader`, bound to the holder's lease, so it disappears with
 * the holder's registration. The fencing token is the key's create revision: the revision of the
 * transaction that created it, which etcd only ever increases.
 */
export class EtcdLeaderLock implements LeaderLock {
  readonly #options: EtcdLeaderLockOptions;

  constructor(options: EtcdLeaderLockOptions) {
    this.#options = options;
  }

  /**
   * Creates the leader key if absent. A null answer is only given while the holder watch shows, or
   * has yet to show, the holding that blocked the attempt: if the watch had already reported that
   * holding gone before this answer came back, a caller waiting for the next holder change would
   * wait for nothing, so the attempt is repeated instead.
   */
  async tryAcquire(): Promise<bigint | null> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await this.#attempt();
      if (outcome.kind === 'acquired') return outcome.token;
      const { view } = this.#options;
      const seenGone = view.upToRevision >= outcome.token && view.holder?.token !== outcome.token;
      if (!seenGone) return null;
    }
    return null;
  }

  async #attempt(): Promise<{ kind: 'acquired' | 'held'; token: bigint }> {
    const { client, layout, memberId, leaseId, requestTimeoutMs, assertUsable } = this.#options;
    assertUsable();
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
    if (response.succeeded) return { kind: 'acquired', token: BigInt(response.header.revision) };
    const holder = response.responses[0]?.response_range?.kvs[0];
    // Deleted between the compare and the read: as good as "gone", try again.
    if (holder === undefined) return { kind: 'held', token: 0n };
    const token = BigInt(holder.create_revision);
    // Already ours (an earlier attempt whose answer was lost): hand back that holding's token.
    if (holder.lease === leaseId && holder.value.toString('utf8') === memberId)
      return { kind: 'acquired', token };
    return { kind: 'held', token };
  }

  async release(token: bigint): Promise<void> {
    const { client, layout, memberId, leaseId, requestTimeoutMs } = this.#options;
    const key = Buffer.from(layout.leaderKey);
    try {
      // Guarded by value, lease and create revision: never delete a key that a later holder (or a
      // later holding of this same lease) created meanwhile, even if this request arrives late.
      await client.kv.txn(
        {
          compare: [
            { key, target: CompareTarget.Value, result: CompareResult.Equal, value: Buffer.from(memberId) },
            { key, target: CompareTarget.Lease, result: CompareResult.Equal, lease: leaseId },
            {
              key,
              target: CompareTarget.Create,
              result: CompareResult.Equal,
              create_revision: token.toString(),
            },
          ],
          success: [{ request_delete_range: { key } }],
        },
        within(requestTimeoutMs),
      );
    } catch (error) {
      throw toElectionError(error, 'release the leader lock');
    }
  }

  /** Each holder with the revision of the event (or resync range) it comes from: see HolderListener. */
  watchHolder(listener: HolderListener): Unsubscribe {
    return this.#options.watcher.watchHolder(listener);
  }
}
