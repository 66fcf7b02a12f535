import type * as kit from '@election/core/adapter';
import { LifecycleError, MalformedReporter, SessionLostError, SessionSkeleton } from '@election/core/adapter';
import { watchElection } from './election-watcher.js';
import { toElectionError } from './errors.js';
import type { JoinContext, Joined } from './join.js';
import { ConsulLeaderLock } from './leader-lock.js';
import { endSession, leaveFailure } from './leave.js';
import { LockDelayTracker } from './lock-delay.js';
import { encodeMember } from './member-codec.js';
import { sessionRenewals } from './renewal.js';
import { SOURCE } from './source.js';

export interface ConsulSessionOptions extends JoinContext {
  readonly request: kit.JoinRequest;
  readonly joined: Joined;
  readonly logger: kit.Logger;
  /** The session ended (lost, left, closed): the backend stops tracking it. */
  readonly ended: () => void;
  /** Keeps the backend's client open until the returned function is called (a leave's requests). */
  readonly hold: () => () => void;
}

/** One node's live registration: its session, renewals, the watch on the election, and the lock. */
export type ConsulSession = SessionSkeleton & { readonly lock: kit.LeaderLock };

/**
 * The kit's session skeleton on Consul's primitives: renew the session (renewal.ts), the election
 * feed (election-watcher.ts), the lock (leader-lock.ts) under lock-delay (lock-delay.ts), and the
 * requests below: rewrite the member key, leave (leave.ts), destroy a lost session. Started at once.
 */
export function openConsulSession(deps: ConsulSessionOptions): ConsulSession {
  const { api, layout, logger, joined, abandoned } = deps;
  const { clock, member } = deps.request;
  const { sessionId } = joined;
  /** Aborted when the session stops being active: pending lock and update requests stop with it. */
  const stopped = new AbortController();
  const malformed = new MalformedReporter(logger, (error) => session.lifecycle.reportError(error));
  const feed = watchElection({
    api,
    layout,
    options: deps.options,
    clock,
    logger,
    malformed: (read) => {
      for (const { entry, error } of read.malformed) malformed.report(error, entry.modifyIndex);
      malformed.retain(read.malformed.map(({ entry }) => entry.key));
    },
    self: { id: member.id, owner: sessionId, gone: lostRegistration },
    published: (read) => lockDelay.observe(read.holding, read.revision),
    onError: (error) => session.reportError(error),
  });
  const lockDelay = new LockDelayTracker({
    clock,
    selfId: member.id,
    defaultLockDelayMs: joined.lockDelayMs,
    emit: (holder, index, owner) => feed.publishHolder(holder, index, owner),
  });
  const lock = new ConsulLeaderLock({
    api,
    leaderKey: layout.leaderKey,
    sessionId,
    memberId: member.id,
    lockDelayMs: joined.lockDelayMs,
    feed,
    memberKey: (id) => layout.memberKey(id),
    lockDelayed: () => lockDelay.refused(),
    signal: stopped.signal,
    sessionInvalid: (cause) => {
      const error = new SessionLostError("Consul says this node's session is invalid; joining again.", {
        source: SOURCE,
        cause: toElectionError(cause, 'acquire the leader key'),
      });
      session.lose(error);
      return error;
    },
  });
  const session = new SessionSkeleton({
    logger,
    clock,
    source: SOURCE,
    what: 'Consul session',
    // Lost stays lost once closed or left: the lock keeps saying SESSION_LOST, a leave sends nothing.
    keepLost: true,
    message: (state) =>
      state === 'lost'
        ? 'this Consul session is lost; join again.'
        : `this Consul session was ${state}; join again.`,
    mapError: toElectionError,
    feed,
    lock,
    renewals: sessionRenewals(api, sessionId, deps.request.ttlMs, joined.createdAt),
    hold: deps.hold,
    stop: () => {
      stopped.abort();
      lockDelay.stop();
    },
    ended: deps.ended,
    // Remembered, so a rejoin of this id clears the session at once instead of waiting it out.
    abandon: () => abandoned.abandoned(sessionId),
    // A leave counts the session abandoned while its destroy is in flight; once done, it is gone.
    gone: () => abandoned.gone(sessionId),
    // A leave frees the leader key first: the handover needs only that. After a loss the member
    // key goes first: this id can join again at once. (A leave after a loss sends nothing: Consul
    // already dropped the keys, or loseAlive destroys the session.)
    revoke: (why, signal) => {
      const keys = [layout.leaderKey, layout.memberKey(member.id)] as const;
      return endSession(api, why === 'leave' ? keys : [keys[1], keys[0]], sessionId, signal);
    },
    revokeAction: 'destroy the session',
    leaveTimeoutMs: deps.options.leaveTimeoutMs,
    leaveError: leaveFailure,
    // A LifecycleError even once lost, as before the port (etcd says SessionLostError then).
    assertUpdatable: ({ state }) => {
      if (state !== 'active')
        throw new LifecycleError(`update() on a Consul session that was ${state}; join again.`, {
          source: SOURCE,
        });
    },
    /**
     * Rewrites the member key in place (a new priority, say): one `/v1/txn` of check-session (the key
     * exists and this session holds it, kvsCheckSessionTxn) and lock with the new value (kvsLockTxn
     * lets the holding session lock it again, LockIndex kept), all or nothing. Not `PUT ?acquire`
     * alone: that would create a member key an operator deleted while the session lives, bringing a
     * removed member back. A key no longer held by this session fails the check; nothing is written.
     */
    update: async (next) => {
      const key = layout.memberKey(next.id);
      const written = await api.txn(
        [
          { verb: 'check-session', key, session: sessionId },
          { verb: 'lock', key, value: encodeMember(next), session: sessionId },
        ],
        stopped.signal,
      );
      return written !== null;
    },
    updateLost: (next) => `the member key of "${next.id}" is no longer held by this session; joining again.`,
  }) as ConsulSession;

  /**
   * Our key is gone (Consul invalidated the session, behavior "delete") or someone else holds it.
   * Either way the registration is over: the feed says so before publishing a view without us, so
   * core demotes for the real reason. loseAlive destroys the session too, in case it is still
   * alive, after deleting the keys it still holds, so no lock-delay is armed on them: this id can
   * join again at once. Safe for the leader key: core hears onLost and stops leading before any of
   * these requests can land.
   */
  function lostRegistration(): void {
    const message = `the member key ${layout.memberKey(member.id)} is no longer held by this node's session (session expired or destroyed, or key deleted); joining again.`;
    session.loseAlive(new SessionLostError(message, { source: SOURCE }));
  }

  session.start();
  return session;
}
