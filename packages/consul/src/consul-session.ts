import {
  type Clock,
  type ElectionError,
  LifecycleError,
  type LockHolder,
  type Logger,
  type Member,
  type MembershipEvent,
  type MembershipSession,
  SessionLostError,
} from '@election/core';
import type { ConsulApi } from './consul-api.js';
import { asElectionError } from './consul-errors.js';
import { readSnapshot } from './election-snapshot.js';
import { createFeed } from './feed.js';
import type { KeyLayout } from './keys.js';
import type { KvEntry } from './kv-entry.js';
import { createLeaderLock } from './leader-lock.js';
import { leaveBounded } from './leave.js';
import { createListeners } from './listeners.js';
import { createMalformedReporter } from './malformed-reporter.js';
import type { ResolvedConsulOptions } from './options.js';
import { startPrefixWatch } from './prefix-watch.js';
import { startRenewals } from './session-renewer.js';
import { SOURCE } from './source.js';

export interface ConsulSessionOptions {
  readonly api: ConsulApi;
  readonly layout: KeyLayout;
  readonly options: ResolvedConsulOptions;
  readonly member: Member;
  readonly sessionId: string;
  readonly createdAt: number;
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Remember a session this node walked away from, so a rejoin can clear it instead of waiting. */
  readonly abandon: (sessionId: string) => void;
  /** The session ended (lost, left, closed): the backend stops tracking it. */
  readonly ended: () => void;
}

const sameMembers = (a: readonly Member[], b: readonly Member[]) => JSON.stringify(a) === JSON.stringify(b);
const sameHolder = (a: LockHolder, b: LockHolder) => a?.id === b?.id && a?.token === b?.token;

/** One node's live registration: its session, renewals, the watch on the election, and the lock. */
export function openConsulSession(deps: ConsulSessionOptions): MembershipSession {
  const { api, layout, sessionId, logger } = deps;
  const stopped = new AbortController();
  let state: 'active' | 'lost' | 'closed' | 'left' = 'active';
  let leaving: Promise<void> | undefined;
  const lost = createListeners<Error>(logger, 'onLost', { once: true });
  const errors = createListeners<Error>(logger, 'onError');
  const members = createFeed<readonly Member[]>(sameMembers, logger, 'watchMembers');
  const holders = createFeed<LockHolder>(sameHolder, logger, 'watchHolder');
  const malformed = createMalformedReporter(logger, (error) => reportError(error));

  function reportError(error: ElectionError): void {
    if (errors.size() === 0) logger.warn({ err: error }, error.message);
    errors.emit(error);
  }

  function end(next: 'lost' | 'closed' | 'left'): boolean {
    if (state !== 'active') return false;
    state = next;
    stopped.abort();
    renewer.stop();
    watch.stop();
    deps.ended();
    return true;
  }

  /** Lost for good. When Consul may still hold the session, destroy it so its leader key frees now. */
  function markLost(cause: ElectionError, destroyRemote: boolean): void {
    if (!end('lost')) return;
    logger.warn({ err: cause }, cause.message);
    if (destroyRemote) {
      // Remembered first: a rejoin racing this destroy then clears the old holder itself.
      deps.abandon(sessionId);
      api.destroySession(sessionId).catch((error: unknown) => {
        logger.warn(
          { err: asElectionError(error, 'destroying the session') },
          'could not destroy the lost session',
        );
      });
    }
    lost.emit(cause);
  }

  function onData(entries: KvEntry[]): void {
    const snapshot = readSnapshot(layout, entries);
    malformed.report(snapshot.malformed);
    if (snapshot.sessions.get(deps.member.id) !== sessionId) {
      // Our key is gone (Consul invalidated the session, behavior "delete") or someone else holds
      // it. Either way the registration is over: say so before publishing a view without us, so
      // core demotes for the real reason. Destroy the session too, in case it is still alive.
      const message = `the member key ${layout.memberKey(deps.member.id)} is no longer held by this node's session (session expired or destroyed, or key deleted); joining again.`;
      markLost(new SessionLostError(message, { source: SOURCE }), true);
      return;
    }
    members.publish(snapshot.members);
    holders.publish(snapshot.holder && { id: snapshot.holder.id, token: snapshot.holder.token });
  }

  const renewer = startRenewals({
    api,
    sessionId,
    ttlMs: deps.ttlMs,
    clock: deps.clock,
    createdAt: deps.createdAt,
    onLost: (cause) => markLost(cause, false),
    onError: reportError,
  });
  const watch = startPrefixWatch({
    api,
    prefix: layout.base,
    waitSeconds: deps.options.watchWaitSeconds,
    minIntervalMs: deps.options.watchMinIntervalMs,
    clock: deps.clock,
    logger,
    onData,
    onError: reportError,
  });
  const lock = createLeaderLock({
    api,
    leaderKey: layout.leaderKey,
    sessionId,
    memberId: deps.member.id,
    holders,
    signal: stopped.signal,
    ensureActive() {
      if (state === 'lost')
        throw new SessionLostError('this Consul session is lost; join again.', { source: SOURCE });
      if (state !== 'active')
        throw new LifecycleError(`this Consul session was ${state}; join again.`, { source: SOURCE });
    },
    sessionInvalid(cause) {
      const error = new SessionLostError("Consul says this node's session is invalid; joining again.", {
        source: SOURCE,
        cause: asElectionError(cause, 'acquiring the leader key'),
      });
      markLost(error, false);
      return error;
    },
  });

  return {
    deadline: () => renewer.deadline(),
    watchMembers(listener) {
      return members.subscribe((list) =>
        listener({ type: 'snapshot', members: list } satisfies MembershipEvent),
      );
    },
    onLost: (listener) => lost.subscribe(listener),
    onError: (listener) => errors.subscribe(listener),
    lock,
    leave() {
      if (leaving) return leaving;
      const wasActive = end('left');
      if (!wasActive && state === 'lost') leaving = Promise.resolve();
      else {
        leaving = leaveBounded({
          api,
          leaderKey: layout.leaderKey,
          sessionId,
          clock: deps.clock,
          timeoutMs: deps.options.leaveTimeoutMs,
        }).catch((error: unknown) => {
          // Not destroyed: it expires by TTL, unless a rejoin through this backend clears it sooner.
          deps.abandon(sessionId);
          throw error;
        });
      }
      return leaving;
    },
    close() {
      if (end('closed')) deps.abandon(sessionId);
    },
  };
}
