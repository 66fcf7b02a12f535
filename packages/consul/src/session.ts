import type * as kit from '@election/core/adapter';
import {
  type ElectionError,
  LifecycleError,
  Listeners,
  MalformedReporter,
  SessionLifecycle,
  SessionLostError,
  sameHolder,
  sameMembers,
} from '@election/core/adapter';
import type { ConsulApi } from './consul-api.js';
import { readSnapshot } from './election-snapshot.js';
import { ElectionWatcher } from './election-watcher.js';
import { toElectionError } from './errors.js';
import { deleteHeldKeys } from './held-keys.js';
import type { KeyLayout } from './keys.js';
import type { KvEntry } from './kv-entry.js';
import { ConsulLeaderLock, type HolderAt } from './leader-lock.js';
import { leaveBounded } from './leave.js';
import { LockDelayTracker } from './lock-delay.js';
import { encodeMember } from './member-codec.js';
import type { ResolvedConsulOptions } from './options.js';
import { startRenewer } from './renewal.js';
import { SOURCE } from './source.js';

export interface ConsulSessionOptions {
  readonly api: ConsulApi;
  readonly layout: KeyLayout;
  readonly options: ResolvedConsulOptions;
  readonly member: kit.Member;
  readonly sessionId: string;
  readonly createdAt: number;
  readonly ttlMs: number;
  /** This session's lock-delay, ms: what a holding of an unknown lock-delay is assumed to have. */
  readonly lockDelayMs: number;
  readonly clock: kit.Clock;
  readonly logger: kit.Logger;
  /** Remember a session this node walked away from, so a rejoin can clear it instead of waiting. */
  readonly abandon: (sessionId: string) => void;
  /** The session ended (lost, left, closed): the backend stops tracking it. */
  readonly ended: () => void;
  /** Keeps the backend's client open until the returned function is called (a leave's requests). */
  readonly hold: () => () => void;
}

// A repeat of the holder at a newer index is news: it may be a deletion core has not seen shown
// (the key was taken and deleted between two snapshots), which only the index tells apart.
const sameHolderAt = (a: HolderAt, b: HolderAt) => sameHolder(a.holder, b.holder) && a.index === b.index;

/** One node's live registration: its session, renewals, the watch on the election, and the lock. */
export class ConsulSession implements kit.MembershipSession {
  readonly lock: ConsulLeaderLock;
  readonly #deps: ConsulSessionOptions;
  readonly #stopped = new AbortController();
  readonly #lifecycle: SessionLifecycle;
  readonly #members: Listeners<readonly kit.Member[]>;
  readonly #holders: Listeners<HolderAt>;
  /** The session holding each member key, as of the watch's last snapshot (for transfers). */
  #sessions: ReadonlyMap<string, string> = new Map();
  readonly #malformed: MalformedReporter;
  readonly #renewer: kit.Renewer;
  readonly #watcher: ElectionWatcher;
  readonly #lockDelay: LockDelayTracker;

  constructor(deps: ConsulSessionOptions) {
    this.#deps = deps;
    const { api, layout, sessionId, logger, clock, ttlMs } = deps;
    this.#lifecycle = new SessionLifecycle({
      logger,
      source: SOURCE,
      what: 'Consul session',
      // Lost stays lost once closed or left: the lock keeps saying SESSION_LOST, a leave sends nothing.
      keepLost: true,
      message: (state) =>
        state === 'lost'
          ? 'this Consul session is lost; join again.'
          : `this Consul session was ${state}; join again.`,
      stop: () => {
        this.#stopped.abort();
        this.#lockDelay.stop();
        this.#renewer.stop();
        this.#watcher.stop();
        this.#deps.ended();
      },
    });
    this.#members = new Listeners<readonly kit.Member[]>(logger, 'watchMembers', { replay: sameMembers });
    this.#holders = new Listeners<HolderAt>(logger, 'watchHolder', { replay: sameHolderAt });
    this.#malformed = new MalformedReporter(logger, (error) => this.#lifecycle.reportError(error));
    this.#renewer = startRenewer({
      api,
      sessionId,
      ttlMs,
      clock,
      createdAt: deps.createdAt,
      logger,
      onLost: (cause) => this.#markLost(cause, false),
      onError: (error) => this.#reportError(error),
    });
    this.#watcher = new ElectionWatcher({
      api,
      prefix: layout.root,
      waitSeconds: deps.options.watchWaitSeconds,
      minIntervalMs: deps.options.watchMinIntervalMs,
      clock,
      logger,
      onData: (entries, index) => this.#onData(entries, index),
      onError: (error) => this.#reportError(error),
    });
    this.#lockDelay = new LockDelayTracker({
      clock,
      selfId: deps.member.id,
      sessionId,
      defaultLockDelayMs: deps.lockDelayMs,
      emit: (holder, index) => this.#holders.emit({ holder, index }),
    });
    this.lock = new ConsulLeaderLock({
      api,
      leaderKey: layout.leaderKey,
      sessionId,
      memberId: deps.member.id,
      lockDelayMs: deps.lockDelayMs,
      holders: this.#holders,
      sessionOf: (id) => this.#sessions.get(id),
      memberKey: (id) => layout.memberKey(id),
      lockDelayed: () => this.#lockDelay.refused(),
      signal: this.#stopped.signal,
      ensureActive: () => this.#lifecycle.assertActive('taking the lock'),
      sessionInvalid: (cause) => {
        const error = new SessionLostError("Consul says this node's session is invalid; joining again.", {
          source: SOURCE,
          cause: toElectionError(cause, 'acquire the leader key'),
        });
        this.#markLost(error, false);
        return error;
      },
    });
    // Started last: its first answer may arrive while the constructor still runs.
    this.#watcher.start();
  }

  deadline(): number {
    return this.#renewer.deadline();
  }

  watchMembers(listener: (event: kit.MembershipEvent) => void): kit.Unsubscribe {
    return this.#members.add((members) => listener({ type: 'snapshot', members }));
  }

  onLost(listener: (cause: Error) => void): kit.Unsubscribe {
    return this.#lifecycle.onLost(listener);
  }

  onError(listener: (error: Error) => void): kit.Unsubscribe {
    return this.#lifecycle.onError(listener);
  }

  onRenewal(listener: (renewal: kit.AcknowledgedRenewal) => void): kit.Unsubscribe {
    return this.#renewer.onRenewal(listener);
  }

  /**
   * Rewrites the member key in place (a new priority, say): one `/v1/txn` of check-session (the key
   * exists and this session holds it, kvsCheckSessionTxn) and lock with the new value (kvsLockTxn
   * lets the holding session lock it again, LockIndex kept), all or nothing. Not `PUT ?acquire`
   * alone: that would create a member key an operator deleted while the session lives, bringing a
   * removed member back. A key no longer held by this session fails the check; nothing is written.
   */
  async update(member: kit.Member): Promise<void> {
    const { api, layout, sessionId } = this.#deps;
    // A LifecycleError even once lost, as before the port (etcd says SessionLostError then).
    const { state } = this.#lifecycle;
    if (state !== 'active')
      throw new LifecycleError(`update() on a Consul session that was ${state}; join again.`, {
        source: SOURCE,
      });
    const key = layout.memberKey(member.id);
    const value = encodeMember(member);
    const written = await api.txn(
      [
        { verb: 'check-session', key, session: sessionId },
        { verb: 'lock', key, value, session: sessionId },
      ],
      this.#stopped.signal,
    );
    if (written === null)
      throw new SessionLostError(
        `the member key of "${member.id}" is no longer held by this session; joining again.`,
        {
          source: SOURCE,
        },
      );
  }

  leave(): Promise<void> {
    return this.#lifecycle.leave(() => this.#leave());
  }

  #leave(): Promise<void> {
    const done = this.#deps.hold(); // taken before ended(): the client stays open for the leave
    let leaving: Promise<void>;
    // Lost: Consul already dropped the keys (or markLost destroys the session).
    if (this.#lifecycle.end('left') === 'lost') leaving = Promise.resolve();
    else {
      const { api, layout, sessionId, clock, options } = this.#deps;
      leaving = leaveBounded({
        api,
        leaderKey: layout.leaderKey,
        memberKey: layout.memberKey(this.#deps.member.id),
        sessionId,
        clock,
        timeoutMs: options.leaveTimeoutMs,
      }).catch((error: unknown) => {
        // Not destroyed: it expires by TTL, unless a rejoin through this backend clears it sooner.
        this.#deps.abandon(sessionId);
        throw error;
      });
    }
    leaving.then(done, done);
    return leaving;
  }

  close(): void {
    if (this.#lifecycle.end('closed') === 'active') this.#deps.abandon(this.#deps.sessionId);
  }

  /**
   * Trouble being ridden out (a failed renewal or watch query, retried). One debug line each, with
   * the stack: core turns onError into one warning per outage and a summary, not a line per retry.
   */
  #reportError(error: ElectionError): void {
    this.#deps.logger.debug({ code: error.code, err: error }, error.message);
    this.#lifecycle.reportError(error);
  }

  /** Lost for good. When Consul may still hold the session, destroy it so its leader key frees now. */
  #markLost(cause: Error, destroyRemote: boolean): void {
    const done = this.#deps.hold(); // taken before ended(): the client stays open for the destroy
    if (!this.#lifecycle.lose(cause, () => this.#cleanUpLost(cause, destroyRemote, done))) done();
  }

  #cleanUpLost(cause: Error, destroyRemote: boolean, done: () => void): void {
    const { api, sessionId, logger } = this.#deps;
    // Info, not a warning: core reports the loss itself (one warning) when it hears onLost.
    logger.info({ code: toElectionError(cause, 'keep the session').code }, cause.message);
    if (destroyRemote) {
      // Remembered first: a rejoin racing this destroy then clears the old holder itself.
      this.#deps.abandon(sessionId);
      // The keys it still holds go first, so no lock-delay is armed on them: this id can join again
      // at once. Safe for the leader key: core hears onLost (below) and stops leading before any
      // of these requests can land.
      const { layout, member } = this.#deps;
      deleteHeldKeys(api, [layout.memberKey(member.id), layout.leaderKey], sessionId)
        .catch(() => undefined) // the destroy below frees them anyway, after the lock-delay
        .then(() => api.destroySession(sessionId))
        .catch((error: unknown) => {
          const failure = toElectionError(error, 'destroy the lost session');
          logger.warn(
            { code: failure.code },
            `${failure.message} It expires by its TTL, unless a rejoin through this backend destroys it sooner.`,
          );
        })
        .finally(done);
    } else done();
  }

  #onData(entries: KvEntry[], index: bigint | undefined): void {
    const { layout, member, sessionId } = this.#deps;
    const snapshot = readSnapshot(layout, entries);
    for (const { entry, error } of snapshot.malformed) this.#malformed.report(error, entry.modifyIndex);
    this.#malformed.retain(snapshot.malformed.map(({ entry }) => entry.key));
    if (snapshot.sessions.get(member.id) !== sessionId) {
      // Our key is gone (Consul invalidated the session, behavior "delete") or someone else holds
      // it. Either way the registration is over: say so before publishing a view without us, so
      // core demotes for the real reason. Destroy the session too, in case it is still alive.
      const message = `the member key ${layout.memberKey(member.id)} is no longer held by this node's session (session expired or destroyed, or key deleted); joining again.`;
      this.#markLost(new SessionLostError(message, { source: SOURCE }), true);
      return;
    }
    this.#sessions = snapshot.sessions;
    this.#members.emit(snapshot.members);
    this.#lockDelay.observe(snapshot.holder, index);
  }
}
