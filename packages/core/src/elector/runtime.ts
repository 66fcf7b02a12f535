import type { LockHolder, MembershipEvent, MembershipSession } from '../contracts/backend.js';
import type { Unsubscribe } from '../contracts/member.js';
import { type ElectionError, SessionLostError } from '../errors.js';
import { compareMembers } from '../ordering/compare.js';
import { MemberView } from '../ordering/member-view.js';
import { createBackoff } from '../time/backoff.js';
import { joinWithRetry } from './join-loop.js';
import type { ResolvedOptions } from './options.js';
import { ElectorStore } from './store.js';
import { toElectionError } from './to-election-error.js';
import type { DemotionReason, ElectionReason, ElectorPhase, StopOptions } from './types.js';

/**
 * The elector loop. Every input (a membership event, a lock-holder change, a timer, a finished
 * backend call) ends in `evaluate()`, which compares what the view elects with what this node is
 * and takes the one step that closes the gap. Async results carry the session epoch they started
 * in and are ignored once that session is gone, so a late answer can never resurrect leadership.
 */
export class ElectorRuntime {
  readonly options: ResolvedOptions;
  readonly view: MemberView;
  readonly store: ElectorStore;
  readonly #lifecycle = new AbortController();
  #session: MembershipSession | undefined;
  #unsubscribes: Unsubscribe[] = [];
  #epoch = 0;
  #holder: LockHolder = null;
  /** Token of this node's own lock holding, set from tryAcquire's answer. */
  #holding: bigint | null = null;
  /** The holder watch has shown our own holding, so a later "free" or "other" is real, not stale. */
  #holdingSeen = false;
  #acquiring = false;
  /** After "someone else holds it", wait for the holder to change instead of asking again. */
  #acquireParked = false;
  /** Counts holder events, so a "held by someone else" answer that raced a release is not trusted. */
  #holderEvents = 0;
  readonly #lockBackoff;
  #timers: {
    deadline?: () => void;
    deadlineAt?: number;
    resync?: () => void;
    handover?: () => void;
    lockRetry?: () => void;
  } = {};
  #stopping: Promise<void> | undefined;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.view = new MemberView(options.compare);
    this.store = new ElectorStore(options.member.id, this.view, options.clock, (error) =>
      options.logger.error({ err: error }, 'an elector subscriber threw; the election goes on'),
    );
    this.#lockBackoff = createBackoff(options.backoff);
  }

  get stopped(): boolean {
    return this.#lifecycle.signal.aborted;
  }

  async start(): Promise<void> {
    this.#phase('joining');
    this.store.dispatch({
      type: 'reason',
      reason: { kind: 'joining', since: this.options.clock.now(), attempt: 0, lastError: null },
    });
    this.#scheduleResync();
    try {
      const session = await joinWithRetry(this.options, {
        initial: true,
        signal: this.#lifecycle.signal,
        reportError: (error) => this.reportError(error),
      });
      this.#attach(session);
    } catch (error) {
      await this.stop({ resign: true });
      throw error;
    }
  }

  /** Refreshes the leadership deadline from the session, for reads between timer ticks. */
  refreshDeadline(): void {
    const session = this.#session;
    if (!session || this.store.current.phase !== 'leader') return;
    this.store.dispatch({ type: 'renewed', leaseDeadline: session.deadline() - this.options.marginMs });
  }

  reportError(error: ElectionError): void {
    this.options.logger.warn({ err: error, code: error.code }, error.message);
    this.store.emit({ type: 'error', error });
  }

  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.resign ?? true);
    return this.#stopping;
  }

  async #stop(resign: boolean): Promise<void> {
    this.#lifecycle.abort();
    this.#clearTimers();
    const session = this.#detach();
    this.#demote('stopped', 'stopping');
    this.#observe(null, null);
    if (session) {
      if (resign) {
        await session
          .leave()
          .catch((error: unknown) => this.reportError(toElectionError(error, 'leaving on stop')));
      } else session.close();
    }
    this.#phase('stopped');
    this.store.dispatch({ type: 'reason', reason: { kind: 'stopped' } });
  }

  #attach(session: MembershipSession): void {
    if (this.stopped) {
      session
        .leave()
        .catch((error: unknown) => this.reportError(toElectionError(error, 'leaving after stop')));
      return;
    }
    this.#session = session;
    const epoch = ++this.#epoch;
    const current =
      <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A) => {
        if (epoch === this.#epoch) fn(...args);
      };
    this.#holder = null;
    this.#holding = null;
    this.#holdingSeen = false;
    this.#acquireParked = false;
    this.#lockBackoff.reset();
    // The old session's view may be stale; the new one delivers a fresh snapshot first.
    if (this.view.size > 0) {
      this.view.reset([]);
      this.store.viewChanged();
      this.store.dispatch({ type: 'members', memberCount: 0 });
    }
    this.#phase('follower');
    this.#unsubscribes.push(
      session.watchMembers(current((event) => this.#onMembership(event))),
      session.onLost(current((cause) => this.#abandon('session-lost', cause, false))),
      session.onError(current((error) => this.reportError(toElectionError(error, 'backend')))),
    );
    if (this.options.mode === 'confirmed' && session.lock) {
      this.#unsubscribes.push(session.lock.watchHolder(current((holder) => this.#onHolder(holder))));
    }
    this.options.logger.info({ ttlMs: this.options.ttlMs, mode: this.options.mode }, 'joined');
    this.evaluate();
  }

  /** Forgets the current session (without telling the backend) and returns it. */
  #detach(): MembershipSession | undefined {
    const session = this.#session;
    this.#session = undefined;
    this.#epoch++;
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    this.#timers.deadline?.();
    this.#timers.handover?.();
    this.#timers.lockRetry?.();
    this.#timers = { resync: this.#timers.resync };
    this.#holding = null;
    this.#holder = null;
    this.#acquiring = false;
    return session;
  }

  #onMembership(event: MembershipEvent): void {
    if (event.type === 'snapshot') this.view.reset(event.members);
    else if (event.type === 'put') this.view.put(event.member);
    else this.view.delete(event.id);
    this.store.viewChanged();
    this.store.dispatch({ type: 'members', memberCount: this.view.size });
    this.evaluate();
  }

  #onHolder(holder: LockHolder): void {
    this.#holderEvents++;
    const self = this.options.member.id;
    const mine = this.#holding;
    if (mine !== null) {
      const showsMine = holder !== null && holder.id === self && holder.token === mine;
      const newer = holder !== null && holder.token > mine;
      if (showsMine) this.#holdingSeen = true;
      else if (newer || this.#holdingSeen) {
        // Our key is gone or someone else's is newer: we no longer hold the lock.
        this.#holding = null;
        this.#holdingSeen = false;
        this.#demote('lock-lost', 'follower');
      } else return; // an event from before our acquisition: the watch has not caught up yet
    }
    this.#holder = holder;
    this.#acquireParked = false;
    this.evaluate();
  }

  /** The one decision step. Cheap when nothing changed: it runs on every membership event. */
  evaluate(): void {
    const session = this.#session;
    const phase = this.store.current.phase;
    if (!session || phase === 'joining' || phase === 'stopping' || phase === 'stopped' || phase === 'idle')
      return;
    const now = this.options.clock.now();
    const deadline = session.deadline() - this.options.marginMs;
    if (now >= deadline) {
      this.#abandon(
        'deadline',
        new SessionLostError(
          `no renewal was acknowledged within the TTL (${this.options.ttlMs} ms); joining again.`,
        ),
        true,
      );
      return;
    }
    this.#scheduleDeadlineCheck(deadline);
    const elected = this.view.leader();
    const electedIsMe =
      elected !== undefined && elected.id === this.options.member.id && !this.options.member.observer;
    if (this.options.mode === 'view') this.#evaluateView(electedIsMe, elected?.id ?? null, deadline);
    else this.#evaluateConfirmed(electedIsMe, deadline);
    this.#explain();
  }

  /** Records why this node is or is not the leader, from the state evaluate() just settled. */
  #explain(): void {
    const state = this.store.current;
    const { member, compare, clock, ttlMs } = this.options;
    let reason: ElectionReason;
    const elected = this.view.leader();
    if (state.phase === 'leader') {
      const pending = this.#timers.handover !== undefined && elected && elected.id !== member.id;
      reason = pending
        ? { kind: 'handover-pending', to: elected.id, inMs: this.options.handoverDelayMs }
        : { kind: 'leading', term: state.term };
    } else if (member.observer) reason = { kind: 'observer' };
    else if (!elected) reason = { kind: 'no-candidates' };
    else if (elected.id !== member.id) {
      const because =
        compare !== compareMembers
          ? 'custom-order'
          : (elected.priority ?? 0) !== member.priority && (member.priority ?? 0) !== (elected.priority ?? 0)
            ? 'priority'
            : 'id-order';
      reason = { kind: 'outranked', by: elected.id, because };
    } else if (this.#holder && this.#holder.id !== member.id)
      reason = {
        kind: 'lock-held-by',
        id: this.#holder.id,
        term: this.#holder.token,
        expiresWithinMs: ttlMs,
      };
    else reason = { kind: 'acquiring' };
    void clock;
    this.store.dispatch({ type: 'reason', reason });
  }

  #evaluateView(electedIsMe: boolean, leaderId: string | null, deadline: number): void {
    if (electedIsMe) {
      if (this.store.current.phase === 'leader')
        this.store.dispatch({ type: 'renewed', leaseDeadline: deadline });
      else
        this.store.dispatch({
          type: 'elected',
          term: null,
          leaseDeadline: deadline,
          at: this.options.clock.now(),
        });
      return;
    }
    this.#demote('view-changed', 'follower');
    this.#observe(leaderId, null);
    this.#phase('follower');
  }

  #evaluateConfirmed(electedIsMe: boolean, deadline: number): void {
    if (this.store.current.phase === 'leader') {
      this.store.dispatch({ type: 'renewed', leaseDeadline: deadline });
      if (electedIsMe) {
        this.#timers.handover?.();
        this.#timers.handover = undefined;
      } else this.#considerHandover();
      return;
    }
    const holder = this.#holder;
    this.#observe(holder?.id ?? null, holder?.token ?? null);
    if (!electedIsMe) {
      this.#phase('follower');
      return;
    }
    this.#phase('candidate');
    const free = holder === null || holder.id === this.options.member.id;
    if (free && !this.#acquireParked) this.#acquire();
  }

  #acquire(): void {
    const session = this.#session;
    if (this.#acquiring || this.#timers.lockRetry || !session?.lock) return;
    this.#acquiring = true;
    const epoch = this.#epoch;
    const holderEventsAtRequest = this.#holderEvents;
    session.lock.tryAcquire().then(
      (token) => {
        if (epoch !== this.#epoch) return;
        this.#acquiring = false;
        if (token === null) {
          // Park only if the holder did not change while we asked: a release seen meanwhile may be
          // newer than this answer, and parking would wait for a change that already happened.
          this.#acquireParked = this.#holderEvents === holderEventsAtRequest;
          this.evaluate();
          return;
        }
        this.#lockBackoff.reset();
        this.#holding = token;
        this.#holdingSeen = this.#holder?.id === this.options.member.id && this.#holder.token === token;
        const now = this.options.clock.now();
        const deadline = session.deadline() - this.options.marginMs;
        const stillElected = this.view.leader()?.id === this.options.member.id;
        if (!stillElected || now >= deadline) {
          this.#release(); // the view moved on while we asked; give the lock straight back
          this.evaluate();
          return;
        }
        this.store.dispatch({ type: 'elected', term: token, leaseDeadline: deadline, at: now });
        this.options.logger.info({ term: token.toString() }, 'elected');
        this.evaluate();
      },
      (error: unknown) => {
        if (epoch !== this.#epoch) return;
        this.#acquiring = false;
        this.reportError(toElectionError(error, 'acquiring the leader lock'));
        this.#retryLockLater();
      },
    );
  }

  #considerHandover(): void {
    if (this.options.handoverDelayMs === 0) {
      this.#handover();
      return;
    }
    this.#timers.handover ??= this.options.clock.setTimer(() => {
      this.#timers.handover = undefined;
      const stillOutranked = this.view.leader()?.id !== this.options.member.id;
      if (stillOutranked && this.store.current.phase === 'leader') this.#handover();
    }, this.options.handoverDelayMs);
  }

  #handover(): void {
    // Stop leading first, release second: there is no instant at which both nodes lead.
    this.#demote('handover', 'follower');
    this.options.logger.info({ to: this.view.leader()?.id }, 'handing over to a better-ranked member');
    this.#release();
  }

  #release(): void {
    const session = this.#session;
    this.#holding = null;
    this.#holdingSeen = false;
    if (!session?.lock) return;
    const epoch = this.#epoch;
    session.lock.release().then(
      () => this.#lockBackoff.reset(),
      (error: unknown) => {
        if (epoch !== this.#epoch) return;
        this.reportError(toElectionError(error, 'releasing the leader lock'));
        // Our lease still holds the key; keep trying so the better member is not locked out.
        const delay = this.#lockBackoff.next();
        this.options.clock.setTimer(() => {
          if (epoch === this.#epoch && this.#holding === null) this.#release();
        }, delay);
      },
    );
  }

  #retryLockLater(): void {
    this.#timers.lockRetry ??= this.options.clock.setTimer(() => {
      this.#timers.lockRetry = undefined;
      this.evaluate();
    }, this.#lockBackoff.next());
  }

  /**
   * Gives up the current session and joins again. `leave` asks the backend to drop the old
   * registration now (its deadline passed, but the backend may still hold it and our lock); a
   * session the backend already declared lost is just closed.
   */
  #abandon(reason: DemotionReason, cause: Error, leave: boolean): void {
    const session = this.#detach();
    if (!session || this.stopped) return;
    this.#demote(reason, 'joining');
    this.#phase('joining');
    this.#observe(null, null);
    this.reportError(
      cause instanceof SessionLostError
        ? cause
        : new SessionLostError(`the registration was lost: ${cause.message}`, { cause }),
    );
    if (leave)
      session
        .leave()
        .catch((error: unknown) => this.reportError(toElectionError(error, 'leaving the abandoned session')));
    else session.close();
    joinWithRetry(this.options, {
      initial: false,
      signal: this.#lifecycle.signal,
      reportError: (error) => this.reportError(error),
    }).then(
      (next) => this.#attach(next),
      () => {}, // only rejects when stopped, which is already being handled
    );
  }

  #demote(reason: DemotionReason, phase: 'follower' | 'joining' | 'stopping'): void {
    const state = this.store.current;
    if (state.phase === 'leader')
      this.options.logger.info({ reason, term: state.term?.toString() ?? null }, 'demoted');
    this.store.dispatch({ type: 'demoted', reason, phase, at: this.options.clock.now() });
  }

  #phase(phase: ElectorPhase): void {
    this.store.dispatch({ type: 'phase', phase, at: this.options.clock.now() });
  }

  #observe(leaderId: string | null, term: bigint | null): void {
    this.store.dispatch({ type: 'leader-observed', leaderId, term });
  }

  #scheduleDeadlineCheck(at: number): void {
    if (!Number.isFinite(at) || this.#timers.deadlineAt === at) return;
    this.#timers.deadline?.();
    this.#timers.deadlineAt = at;
    this.#timers.deadline = this.options.clock.setTimer(() => {
      this.#timers.deadline = undefined;
      this.#timers.deadlineAt = undefined;
      this.evaluate();
    }, at - this.options.clock.now());
  }

  #scheduleResync(): void {
    this.#timers.resync = this.options.clock.setTimer(() => {
      if (this.stopped) return;
      this.#acquireParked = false; // safety net: ask for the lock again even if a watch event was missed
      this.evaluate();
      this.#scheduleResync();
    }, this.options.resyncIntervalMs);
  }

  #clearTimers(): void {
    for (const cancel of [
      this.#timers.deadline,
      this.#timers.resync,
      this.#timers.handover,
      this.#timers.lockRetry,
    ])
      cancel?.();
    this.#timers = {};
  }
}
