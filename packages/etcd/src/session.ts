import {
  type JoinRequest,
  type LeaderLock,
  type Logger,
  type MalformedReporter,
  SessionLostError,
  SessionSkeleton,
} from '@election/core/adapter';
import { CompareResult, CompareTarget, type Etcd3 } from 'etcd3';
import { ElectionView } from './election-view.js';
import { watchElection } from './election-watcher.js';
import { isLeaseGone, toElectionError, within } from './errors.js';
import type { Joined } from './join.js';
import { encodeMember, type KeyLayout } from './keys.js';
import { EtcdLeaderLock } from './leader-lock.js';
import { leaseRenewals } from './renewal.js';
import { SOURCE } from './source.js';

export interface EtcdSessionOptions {
  readonly client: Etcd3;
  readonly layout: KeyLayout;
  readonly request: JoinRequest;
  /** The lease, and what the join transaction read: every key of the election, as of its revision. */
  readonly joined: Joined;
  readonly logger: Logger;
  readonly reporter: MalformedReporter;
  readonly requestTimeoutMs: number;
  readonly leaveTimeoutMs: number;
  /** Keeps the backend's client open until `work`, a request of this session, settles. */
  readonly track: <T>(work: Promise<T>) => Promise<T>;
  /** Tells the backend the lease is gone (`true`) or left behind alive (`false`). */
  readonly onRetired: (leaseId: string, gone: boolean) => void;
}

/** One node's registration: its lease, its member key, the watch on the election, the lock. */
export type EtcdSession = SessionSkeleton & { readonly lock: LeaderLock };

/**
 * The kit's session skeleton on etcd's primitives: renew the lease (renewal.ts), the election feed
 * (election-watcher.ts), the lock (leader-lock.ts), and the requests below: rewrite the member key,
 * revoke the lease on leave and after a loss. `start()` starts the renewals and the watch.
 */
export function openEtcdSession(options: EtcdSessionOptions): EtcdSession {
  const { client, layout, logger, requestTimeoutMs, joined } = options;
  const { clock, member, ttlMs } = options.request;
  const { leaseId, grantSentAt } = joined;
  const retired = (gone: boolean) => options.onRetired(leaseId, gone);
  // The join's read is decoded before the session exists: what it finds malformed reaches no listener yet.
  let reportMalformed = (_error: Error) => {};
  const view = new ElectionView(layout, options.reporter, logger, (error) => reportMalformed(error));
  const feed = watchElection({
    initial: view.replace(joined.kvs, joined.revision),
    client,
    layout,
    view,
    clock,
    logger,
    requestTimeoutMs,
    // Our member key must exist and stay bound to our lease; otherwise we are not registered.
    self: { id: member.id, owner: leaseId, gone: (lease) => lostRegistration(lease) },
    onError: (error) => session.reportError(error),
  });
  const lock = new EtcdLeaderLock({
    client,
    layout,
    memberId: member.id,
    leaseId,
    feed,
    requestTimeoutMs,
  });
  const session = new SessionSkeleton({
    logger,
    clock,
    source: SOURCE,
    what: 'etcd session',
    // The wording of before the skeleton, for the lock and update() alike.
    message: (state) =>
      state === 'lost'
        ? 'This etcd session was lost; join again.'
        : `This etcd session is ${state}; join again to take the lock.`,
    mapError: toElectionError,
    // Core says a loss (one warning when it hears onLost); etcd's own lines about it are debug.
    quietLoss: true,
    feed,
    lock,
    initialDeadline: grantSentAt + ttlMs,
    renewals: leaseRenewals({
      client,
      leaseId,
      ttlMs,
      grantSentAt,
      requestTimeoutMs,
      logger,
      onLost: (cause) => {
        retired(true);
        session.lose(cause);
      },
    }),
    gone: () => retired(true),
    abandon: () => retired(false),
    /**
     * Revokes the lease, also of a lost session (its lease may live on: its member key was taken
     * from it). etcd then deletes every key bound to it in one revision: the member key and, if this
     * node holds it, the leader key. That is the release, the deregistration and the revocation in
     * a single round trip: the next node can take over at once.
     */
    revoke: (why) =>
      options
        .track(
          client.leaseClient.leaseRevoke(
            { ID: leaseId },
            within(why === 'leave' ? options.leaveTimeoutMs : requestTimeoutMs),
          ),
        )
        .then(
          () => undefined,
          (error: unknown) => {
            if (!isLeaseGone(error)) throw error;
          },
        ),
    revokeAction: `revoke etcd lease ${leaseId}`,
    revokeLost: true,
    leaveTimeoutMs: options.leaveTimeoutMs,
    /**
     * Rewrites the member key in place (a new priority, say): one txn that puts the new record only
     * while the key is still bound to this session's lease, so a registration that is gone is never
     * re-created. Watchers see a put of the key.
     */
    update: async (next) => {
      const key = Buffer.from(layout.memberKey(next.id));
      try {
        const response = await client.kv.txn(
          {
            compare: [{ key, target: CompareTarget.Lease, result: CompareResult.Equal, lease: leaseId }],
            success: [{ request_put: { key, value: Buffer.from(encodeMember(next)), lease: leaseId } }],
          },
          within(requestTimeoutMs),
        );
        return response.succeeded;
      } catch (error) {
        throw toElectionError(error, 'rewrite the member key');
      }
    },
    updateLost: (next) => `the member key of "${next.id}" is no longer this session's; join again.`,
  }) as EtcdSession;

  reportMalformed = (error) => session.lifecycle.reportError(error);

  function lostRegistration(lease: string | undefined): void {
    const what = lease === undefined ? 'was deleted' : `is now bound to lease ${lease}`;
    // The lease still lives and may hold the leader key: loseAlive revokes it so the lock frees at once.
    session.loseAlive(new SessionLostError(`The member key of "${member.id}" ${what}.`, { source: SOURCE }));
  }

  return session;
}
