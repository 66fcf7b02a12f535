import {
  type Clock,
  duplicateMember,
  type Logger,
  RateLimiter,
  sleep,
  waitOutHolder as waitOut,
} from '@election/core/adapter';
import type { ConsulApi, SessionInfo } from './consul-api.js';
import { deleteHeldKeys } from './held-keys.js';
import type { KeyLayout } from './keys.js';
import { enforcedLockDelayMs } from './lock-delay.js';
import { SOURCE } from './source.js';

/**
 * What a join does about a session found holding its member key: revoke it at once (a session this
 * backend walked away from, or any holder under `takeover`), or wait it out.
 *
 * Consul shows neither a session's remaining TTL nor its renewals: `PUT /v1/session/renew` only
 * resets a timer on the leader (agent/consul/session_endpoint.go, Session.Renew: no raft write), so
 * no index moves. A session that is not renewed is recognisable only by being invalidated, which
 * the leader does 2×TTL after the last renewal (agent/consul/session_ttl.go, createSessionTimer:
 * `ttl * structs.SessionTTLMultiplier`, and SessionTTLMultiplier is 2). So the join watches the
 * holder with a blocking query on `/v1/session/info/<id>` for 2×TTL plus a slack; a holder that is
 * still there by then was renewed meanwhile: a live duplicate.
 */

/**
 * Added to 2×TTL before a holder counts as renewed: the leader's invalidation is a raft write, and
 * its answer reaches the blocking query a round trip later.
 */
export const EXPIRY_SLACK_MS = 1000;

export interface HolderContext {
  readonly api: ConsulApi;
  readonly layout: KeyLayout;
  readonly election: string;
  readonly memberId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** The watch's rate limit (ms between queries once the burst is used): the wait obeys it too. */
  readonly minIntervalMs: number;
}

export function duplicateError(context: HolderContext, evidence: string) {
  return duplicateMember({
    source: SOURCE,
    id: context.memberId,
    where: `election "${context.election}"`,
    evidence,
  });
}

/**
 * Why a join revokes session `holder`: `abandoned`, a session this backend walked away from (its
 * elector had stopped leading before), or `takeover`, any holder of the id, which may be a live
 * process that is only cut off from Consul and still leads until its local deadline.
 */
export type RevokeReason = 'abandoned' | 'takeover';

/**
 * Revokes the registration of session `holder` at once: deletes the keys named below, each only
 * at the ModifyIndex just read (`DELETE ?cas=`), then destroys the session. A key deleted before
 * the destroy carries no lock-delay: Consul arms one only on the keys an invalidated session still
 * holds (agent/consul/state/session.go, deleteSessionTxn) and checks it only for lock acquisitions
 * (agent/consul/kvs_endpoint.go, kvsPreApply: "Rejecting lock of key due to lock-delay").
 *
 * The member key is always deleted first, so the join goes ahead at once. The leader key is
 * deleted first only for a session this backend abandoned (it is known not to lead). Under
 * takeover the leader key is left to the destroy, which arms the holder's lock-delay on it (the
 * TTL by default): the holder may be alive, cut off from Consul, and lead until its deadline, so
 * nobody may take the key before then. The cost: leadership moves one lock-delay after a takeover
 * of the leader.
 */
export async function revokeHolder(
  context: HolderContext,
  holder: string,
  reason: RevokeReason,
): Promise<void> {
  const { api, layout, memberId, signal } = context;
  const keys = [layout.memberKey(memberId)];
  if (reason === 'abandoned') keys.push(layout.leaderKey);
  await deleteHeldKeys(api, keys, holder, signal);
  await api.destroySession(holder, signal);
}

/** Longest single blocking query of the wait: the leader is checked at least this often. */
const LEADER_CHECK_MS = 5000;

/** One look at a holder Consul still knows: the raft leader then, and when. */
type Look = { readonly leader: string; readonly at: number };

/**
 * Waits until Consul no longer knows session `holder`, then out its lock-delay (the keys it held
 * are refused to every session that long), on the kit's wait. Each look is a blocking query on the
 * session (rate-limited as the watch is, at most LEADER_CHECK_MS) and a read of the raft leader. A
 * holder still there 2×TTL + EXPIRY_SLACK_MS after the wait began was renewed: DuplicateMemberError,
 * as for a holder without a TTL (it never expires). A new raft leader re-arms every session timer
 * with a full 2×TTL (agent/consul/session_ttl.go, initializeSessionTimers), so a leader change
 * (`/v1/status/leader` answers another address, or none) starts the observation over. A request
 * that fails rejects the wait (core retries the join, which starts the observation over); aborted
 * by `context.signal`.
 */
export async function waitOutHolder(context: HolderContext, holder: string): Promise<void> {
  const { api, clock, logger, memberId: id, signal } = context;
  const limiter = new RateLimiter(clock, 2, context.minIntervalMs);
  let session: SessionInfo['session'];
  let boundMs = 0;
  let index = 0n;
  await waitOut<Look>({
    clock,
    signal,
    logger,
    id,
    fields: { session: holder },
    async read(base) {
      // The first look is a plain read, and so is one that starts past the bound (the blocking
      // queries are sized to end at it, so that is rare); the others block (on an index of at
      // least 1, as in the watch) until the sessions table moves or the query's wait ends.
      const remainingMs = base === undefined ? 0 : base.at + boundMs - clock.now();
      const pause = base === undefined ? 0 : limiter.take();
      if (pause > 0) await sleep(clock, pause, signal);
      const waitSeconds = Math.max(1, Math.ceil(Math.min(remainingMs, LEADER_CHECK_MS) / 1000));
      const info = await (remainingMs > 0
        ? api.sessionInfo(holder, index < 1n ? 1n : index, waitSeconds, signal)
        : api.sessionInfo(holder, 0n, 0, signal));
      if (info.session === undefined) return undefined;
      if (base === undefined) {
        session = info.session;
        if (session.ttlMs === undefined) {
          throw duplicateError(
            context,
            `its Consul session ${holder} has no TTL, so Consul never expires it`,
          );
        }
        boundMs = 2 * session.ttlMs + EXPIRY_SLACK_MS;
      }
      // An index that went backwards (a snapshot restore) starts over from 0.
      index = info.index === undefined || info.index < index ? 0n : info.index;
      return { leader: await api.leader(signal), at: clock.now() };
    },
    pollMs: () => 0,
    waitMs: () => boundMs,
    judge(look, base) {
      if (look.leader !== base.leader || look.leader === '') {
        // A new leader gave the holder's timer a full 2×TTL again: observe afresh from here.
        logger.debug(
          { id, session: holder, leader: look.leader },
          'the Consul leader changed; observing the holder afresh',
        );
        return 'restart';
      }
      return look.at - base.at >= boundMs ? 'renewed' : 'waiting';
    },
    duplicate: () =>
      duplicateError(
        context,
        `its Consul session ${holder} was still renewed ${boundMs} ms later, past 2×TTL (${session?.ttl}) + ${EXPIRY_SLACK_MS} ms`,
      ),
  });
  const lockDelayMs = enforcedLockDelayMs(session?.lockDelayMs ?? 0);
  if (lockDelayMs > 0) {
    logger.debug({ id, lockDelayMs }, 'the previous registration expired; waiting out its lock-delay');
    await sleep(clock, lockDelayMs, signal);
  }
}
