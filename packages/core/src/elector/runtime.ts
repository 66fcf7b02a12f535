import type { AcknowledgedRenewal, MembershipEvent, MembershipSession } from '../contracts/backend.js';
import type { Member, Unsubscribe } from '../contracts/member.js';
import {
  ConfigurationError,
  DuplicateMemberError,
  type ElectionError,
  LifecycleError,
  SessionLostError,
} from '../errors.js';
import { errorForLog, maskError } from '../mask-error.js';
import { maskSecrets } from '../mask-secrets.js';
import { compareMembers } from '../ordering/compare.js';
import { MemberView } from '../ordering/member-view.js';
import { sameMember } from '../ordering/same-member.js';
import { validateMember } from '../ordering/validate-member.js';
import { createBackoff } from '../time/backoff.js';
import { type Instant, instantOf, sleep } from '../time/clock.js';
import { joinWithRetry, stoppedError } from './join-loop.js';
import { LockClaim } from './lock-claim.js';
import type { ResolvedOptions } from './options.js';
import { OutageLog } from './outage-log.js';
import { releaseOnStop } from './release-on-stop.js';
import { SessionDeadline } from './session-deadline.js';
import { ElectorStore } from './store.js';
import { toElectionError } from './to-election-error.js';
import type { DemotionReason, ElectionReason, ElectorPhase, StopOptions } from './types.js';

/**
 * The elector loop. Every input (a membership event, a lock-holder change, a timer, a finished
 * backend call) ends in `evaluate()`, which compares what the view elects with what this node is
 * and takes the one step that closes the gap. The lock protocol lives in `LockClaim`; this file
 * only decides whether the node should hold the lock and whether it leads. Async results carry the
 * session epoch they started in and are ignored once that session is gone.
 *
 * A session is kept until the backend reports it lost. Past its deadline (no renewal acknowledged:
 * the backend is unreachable) the node stops leading but keeps the session, whose adapter keeps
 * renewing; once a renewal is acknowledged again the node goes on with the same registration, and
 * a leader whose lock is still held by it leads again with the same term: the lock is bound to the
 * registration, so while the registration lived nobody else can have held it.
 */
export class ElectorRuntime {
  /** Replaced (never mutated) when setPriority() changes the member: later joins register that. */
  options: ResolvedOptions;
  readonly view: MemberView;
  readonly store: ElectorStore;
  readonly #lifecycle = new AbortController();
  #session: MembershipSession | undefined;
  #claim: LockClaim | undefined;
  #unsubscribes: Unsubscribe[] = [];
  #epoch = 0;
  /** When the current session was attached: a session that dies young makes the next rejoin wait longer. */
  #attachedAt = 0;
  /** Sessions in a row that were lost within their first TTL. */
  #youngDeaths = 0;
  readonly #rejoinBackoff;
  readonly #outages: OutageLog;
  /** The session's deadline when the last backend failure was reported: a later one means it answers again. */
  #deadlineAtFailure = Number.NEGATIVE_INFINITY;
  /** Clock time of the last reported backend failure. */
  #lastFailureAt = Number.NEGATIVE_INFINITY;
  /** The current session's deadline has passed: not leading, still renewing. */
  // Stryker disable next-line BooleanLiteral: read only with a session, and #attach sets it false first
  #pastDeadline = false;
  /** The session's deadline on both clocks (see SessionDeadline). */
  readonly #deadline: SessionDeadline;
  /** When the current join began: the first deadline of the session it opens counts from here. */
  #joinStartedAt: Instant | undefined;
  #timers: {
    deadline?: () => void;
    deadlineAt?: number;
    resync?: () => void;
    handover?: () => void;
    /** Ends the giver's exclusion (see #elected). */
    giver?: () => void;
    handoverAt?: number;
  } = {};
  #stopping: Promise<void> | undefined;
  /** The giver of a handed holding and its record at the handover (see #elected). */
  #giver: { readonly token: bigint; readonly record: Member | undefined; readonly until: number } | undefined;
  /** Ends this elector's use of the backend (which then closes the clients it opened). */
  #release: (() => void) | undefined;
  /**
   * The current session's member snapshot has come. Nothing is decided before it (the reason stays
   * `joining`): with no view, a decision would only report a leaderless election that is not.
   * (The first holder is not waited for: a candidate's first tryAcquire goes out with the
   * snapshot, as before, and waiting for the holder view too made a hand-back take 60-100 ms
   * instead of about 20 on etcd; an instant of "members, no leader yet" within one delivery is
   * the metrics' business: @election/prometheus ignores a gap that opens and closes in one turn.)
   */
  // Stryker disable next-line BooleanLiteral: read only with a session, and #attach sets it false first
  #snapshotSeen = false;
  /** This session's member snapshot was said to be overdue (once per session). */
  // Stryker disable next-line BooleanLiteral: read only with a session, and #attach sets it false first
  #snapshotOverdue = false;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.view = new MemberView(options.compare);
    this.store = new ElectorStore(options.member.id, this.view, options.clock, (error) =>
      options.logger.error({ err: errorForLog(error) }, 'an elector subscriber threw; the election goes on'),
    );
    this.#rejoinBackoff = createBackoff(options.backoff);
    this.#deadline = new SessionDeadline(options.clock, options.ttlMs);
    this.#outages = new OutageLog({
      logger: options.logger,
      clock: options.clock,
      target: options.backendLabel,
    });
  }

  get stopped(): boolean {
    return this.#lifecycle.signal.aborted;
  }

  async start(): Promise<void> {
    this.#release = this.options.backend.retain?.();
    this.#phase('joining');
    this.#scheduleResync();
    try {
      const session = await this.#join(true);
      // A stop() between the join's answer and the attach: the session was left, the node never
      // followed, so start() gives up as it does when stop() comes during the join. (A stop() from
      // a listener during the attach comes after the node followed: start() resolves.)
      if (!this.#attach(session)) throw stoppedError();
    } catch (error) {
      // Stryker disable next-line ObjectLiteral: stop({}) resigns too (resign defaults to true)
      await this.stop({ resign: true });
      throw error instanceof Error ? maskError(error) : error;
    }
  }

  /**
   * For reads between timer ticks: a leader past its deadline is demoted now (phase and event), and
   * a leader within it gets the freshest deadline from its session.
   */
  checkDeadline(): void {
    const session = this.#session;
    if (!session || this.store.current.phase !== 'leader') return;
    const deadline = this.#sessionDeadline(session) - this.options.marginMs;
    if (this.options.clock.now() >= deadline) this.evaluate();
    else this.store.dispatch({ type: 'renewed', leaseDeadline: deadline });
  }

  /**
   * A problem being ridden out. The log stays quiet (one warning when trouble starts, a summary at
   * most every 30 s, a line when it ends); subscribers get every error as an event.
   */
  reportError(raised: ElectionError, retryInMs = raised.retryInMs): void {
    // Whatever raised it: no credential reaches the log, the reason or an event (a frozen error is
    // reported as a masked copy).
    const error = maskError(raised);
    this.#outages.failed(error, retryInMs);
    this.#deadlineAtFailure = this.#session?.deadline() ?? Number.NEGATIVE_INFINITY;
    this.#lastFailureAt = this.options.clock.now();
    if (this.#session) this.#checkBy(this.#nextPoll()); // the outage is open: poll for its end
    this.store.emit({ type: 'error', error });
  }

  /**
   * Changes this member's rank without leaving: the record is rewritten in place (the backend's
   * `update`), every node's view re-sorts, and a leader that is now outranked hands over directly
   * (one transfer where the backend offers it). Before the join completes, or between sessions,
   * the next join registers the new priority.
   */
  async setPriority(priority: number): Promise<void> {
    if (this.stopped) throw new LifecycleError('setPriority() on a stopped elector; create a new one.');
    const member = validateMember({ ...this.options.member, priority });
    const session = this.#session;
    if (session && !session.update)
      throw new ConfigurationError(
        `the ${this.options.backend.name} backend cannot change a live member's priority; restart this node with priority ${priority} instead.`,
      );
    this.options = { ...this.options, member };
    if (!session?.update) return;
    await session.update(member).catch((error: unknown) => {
      throw toElectionError(error, 'changing the priority');
    });
    // The view changes when the watch shows the record (not here): calls whose writes land out of
    // order would otherwise leave this node's view on a record the backend no longer holds (the
    // simulator found that). An outranked leader hands over on that watch event.
    this.options.logger.info({ priority }, 'priority changed');
  }

  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.resign ?? true);
    return this.#stopping;
  }

  async #stop(resign: boolean): Promise<void> {
    this.#lifecycle.abort();
    this.#clearTimers();
    // A holding to release before leaving (see releaseOnStop), unless the backend is not answering.
    const held = resign && !this.#outages.open ? (this.#claim?.heldToken() ?? null) : null;
    // Chosen before the claim is detached: a giver this node still excludes is no successor.
    // Stryker disable next-line ConditionalExpression: held null: successor unused, a giver timer #successor() may arm during stop() is cancelled by #detach
    const successor = held === null ? undefined : this.#successor();
    const session = this.#detach();
    this.#demote('stopped', 'stopping');
    this.#observe(null, null);
    this.#reason({ kind: 'stopped' });
    if (session) {
      if (resign) {
        if (held !== null && session.lock) await releaseOnStop(session.lock, held, this.options, successor);
        await session
          .leave()
          .catch((error: unknown) => this.reportError(toElectionError(error, 'leaving on stop')));
      } else session.close();
    }
    const release = this.#release;
    this.#release = undefined;
    release?.();
    this.#phase('stopped');
  }

  #join(initial: boolean): Promise<MembershipSession> {
    this.#joinStartedAt = instantOf(this.options.clock);
    const since = this.#joinStartedAt.at;
    this.#reason({ kind: 'joining', since, attempt: 0, lastError: null });
    return joinWithRetry(this.options, {
      initial,
      signal: this.#lifecycle.signal,
      reportError: (error, retryInMs) => this.reportError(error, retryInMs),
      onAttemptFailed: (error, attempt) => {
        this.#reason(
          error instanceof DuplicateMemberError
            ? { kind: 'duplicate-id', since, message: error.message }
            : { kind: 'joining', since, attempt, lastError: error.message },
        );
      },
    });
  }

  /** Makes `session` the current one; false (and the session left) when stop() came first. */
  #attach(session: MembershipSession): boolean {
    if (this.stopped) {
      session
        .leave()
        .catch((error: unknown) => this.reportError(toElectionError(error, 'leaving after stop')));
      return false;
    }
    this.#session = session;
    this.#attachedAt = this.options.clock.now();
    this.#pastDeadline = false;
    // Its first deadline counts from the join's start: a suspend during the join is not hidden.
    this.#deadline.reset(this.#joinStartedAt);
    this.#outages.recovered();
    const epoch = ++this.#epoch;
    const current =
      <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A) => {
        if (epoch === this.#epoch) fn(...args);
      };
    // The old session's view may be stale; the new one delivers a fresh snapshot first.
    if (this.view.size > 0) {
      this.view.reset([]);
      this.store.viewChanged();
      this.store.dispatch({ type: 'members', memberCount: 0 });
    }
    this.#phase('follower');
    const lock = this.options.mode === 'confirmed' ? session.lock : undefined;
    this.#snapshotSeen = false;
    this.#snapshotOverdue = false;
    if (lock) {
      this.#claim = new LockClaim({
        lock,
        selfId: this.options.member.id,
        clock: this.options.clock,
        callTimeoutMs: this.options.lockTimeoutMs,
        backoff: createBackoff(this.options.backoff),
        onChange: current(() => this.evaluate()),
        onError: current((error: ElectionError) => this.reportError(error)),
        ...(this.options.unsafeKeepOrphans ? { unsafeKeepOrphans: true } : {}),
      });
    }
    this.#unsubscribes.push(
      session.watchMembers(current((event) => this.#onMembership(event))),
      session.onLost(current((cause) => this.#abandon(cause))),
      session.onError(current((error) => this.reportError(toElectionError(error, 'backend')))),
    );
    const onRenewal = current(({ sentAt, latencyMs }: AcknowledgedRenewal) =>
      this.store.emit({ type: 'renewal', sentAt, latencyMs }),
    );
    if (session.onRenewal) this.#unsubscribes.push(session.onRenewal(onRenewal));
    const claim = this.#claim;
    // Stryker disable next-line LogicalOperator: claim is set iff lock is (above; #detach cleared it)
    if (lock && claim)
      this.#unsubscribes.push(
        lock.watchHolder(current((holder, revision) => claim.onHolder(holder, revision))),
      );
    // The first join is news; a rejoin is the end of a reported outage (the outage log's line).
    const joined = { ttlMs: this.options.ttlMs, mode: this.options.mode };
    if (epoch === 1) this.options.logger.info(joined, 'joined');
    else this.options.logger.debug(joined, 'joined again');
    this.evaluate();
    return true;
  }

  /** Forgets the current session (without telling the backend) and returns it. */
  #detach(): MembershipSession | undefined {
    const session = this.#session;
    this.#session = undefined;
    this.#epoch++;
    for (const unsubscribe of this.#unsubscribes.splice(0)) unsubscribe();
    this.#claim?.dispose();
    this.#claim = undefined;
    this.#timers.deadline?.();
    this.#timers.handover?.();
    this.#timers.giver?.();
    this.#giver = undefined;
    this.#timers = { resync: this.#timers.resync };
    return session;
  }

  #onMembership(event: MembershipEvent): void {
    this.#snapshotSeen = true;
    if (event.type === 'snapshot') this.view.reset(event.members);
    else if (event.type === 'put') this.view.put(event.member);
    else this.view.delete(event.id);
    this.store.viewChanged();
    this.store.dispatch({ type: 'members', memberCount: this.view.size });
    this.evaluate();
  }

  /** The one decision step. Cheap when nothing changed: it runs on every membership event. */
  evaluate(): void {
    const session = this.#session;
    const phase = this.store.current.phase;
    // Dead phase tests: with a session the phase is never one of these, and without one it is 'joining'.
    // Stryker disable next-line ConditionalExpression,StringLiteral,LogicalOperator: see the line above
    if (!session || phase === 'joining' || phase === 'stopping' || phase === 'stopped' || phase === 'idle')
      return;
    const sessionDeadline = this.#sessionDeadline(session);
    const now = this.options.clock.now();
    // Over once a renewal sent after the last failure was acknowledged and nothing else (a watch,
    // a lock call) has failed for a while: a watch that keeps failing is still an outage. A session
    // without a deadline (nothing to renew: static) has no renewal to wait for: quiet time alone.
    if (
      this.#outages.open &&
      (sessionDeadline > this.#deadlineAtFailure || sessionDeadline === Number.POSITIVE_INFINITY) &&
      now - this.#lastFailureAt >= Math.min(this.options.ttlMs, 5000)
    )
      this.#outages.recovered();
    const deadline = sessionDeadline - this.options.marginMs;
    if (now >= deadline) {
      this.#unreachable(sessionDeadline);
      return;
    }
    if (this.#pastDeadline) {
      this.#pastDeadline = false;
      // A holding from before the deadline is led on again only once the backend confirms it.
      this.#claim?.reconfirm();
      this.options.logger.debug({}, 'a renewal was acknowledged again; resuming with the same registration');
    }
    // Until the session's member snapshot is in, there is nothing to decide on: still joining.
    if (this.#snapshotSeen) this.#decide(deadline);
    else this.#snapshotLate(now);
    // Polled while an outage is open, to see its end; and, with a wall clock, while leading: timers
    // run on the monotonic clock, so after a suspend the deadline timer alone would fire up to a
    // TTL late.
    const leading = this.store.current.phase === 'leader' && this.options.clock.wallNow !== undefined;
    this.#scheduleDeadlineCheck(
      this.#outages.open || (leading && Number.isFinite(deadline))
        ? Math.min(deadline, this.#nextPoll())
        : deadline,
    );
  }

  /**
   * Every backend delivers a session's member snapshot at once (the contract's watch groups check
   * it). One that does not leaves this node undecided for good: say so once, a TTL after the join,
   * instead of waiting in silence.
   */
  #snapshotLate(now: number): void {
    if (this.#snapshotOverdue || now - this.#attachedAt < this.options.ttlMs) return;
    this.#snapshotOverdue = true;
    this.options.logger.warn(
      {},
      `the ${this.options.backend.name} backend has not delivered this session's member snapshot within the TTL; this node decides nothing until it does (the backend breaks the membership contract: watchMembers must deliver a snapshot first)`,
    );
  }

  /** Who leads, as far as this node can tell and act on: the step towards it, and why. */
  #decide(deadline: number): void {
    const elected = this.#elected();
    const electedIsMe =
      elected !== undefined && elected.id === this.options.member.id && !this.options.member.observer;
    if (this.options.mode === 'view') this.#evaluateView(electedIsMe, elected?.id ?? null, deadline);
    else this.#evaluateConfirmed(electedIsMe, deadline);
    this.#explain();
  }

  /**
   * What the view elects. A member that handed this node the holding it holds (a direct transfer)
   * is no candidate while its record stays as it was at the handover: its leave or its lowered
   * rank may reach this node after the holding does (Consul reads them apart; etcd may deliver
   * them in a later batch). Once its record changes (or it leaves, or the view elects this node) the view decides alone again,
   * and at the latest one TTL after the handover: a giver whose rank rose again meanwhile (its new
   * record reached this node before the handed holding did) is then handed the lock back.
   */
  #elected(): Member | undefined {
    const elected = this.view.leader();
    const giver = this.#excludedGiver();
    // Stryker disable next-line ConditionalExpression,LogicalOperator: leaderExcept(x) is leader() whenever leader() is not x (undefined included), so either branch gives the same member
    return giver === undefined || elected?.id !== giver ? elected : this.view.leaderExcept(giver);
  }

  /**
   * The giver this node still excludes (see #elected), if any. The exclusion ends for good (for
   * this holding) the first time the giver's record is seen changed or gone, the first time the
   * view itself elects this node (it then ranks this node above the giver's record as it was at
   * the handover: the handover needs no record that has not arrived yet, so a drain of this node
   * right after the handover hands straight back, not one TTL later), or one TTL after the
   * handover: a giver that left and joined again with the same record is a new registration, and
   * comparing the record alone after its return would exclude it again until the TTL ran out. A
   * third member that outranks the giver only for a moment (it joins and leaves, or its drained
   * record comes after its old one) ends nothing: the giver may still be leaving.
   */
  #excludedGiver(): string | undefined {
    const giver = this.#claim?.handedFrom() ?? null;
    const token = this.#claim?.heldToken() ?? null;
    if (giver === null || token === null) {
      this.#giver = undefined;
      return undefined;
    }
    const { clock, ttlMs } = this.options;
    if (this.#giver?.token !== token) {
      this.#giver = { token, record: this.view.get(giver), until: clock.now() + ttlMs };
      this.#timers.giver?.();
      this.#timers.giver = clock.setTimer(() => {
        this.#timers.giver = undefined;
        this.evaluate();
      }, ttlMs);
    }
    const current = this.#giver;
    const stale =
      clock.now() < current.until &&
      sameMember(current.record, this.view.get(giver)) &&
      this.view.leader()?.id !== this.options.member.id;
    if (stale) return giver;
    // Stryker disable next-line ConditionalExpression: with until already ended the block re-sets the same value and its timer is already cleared
    if (current.until !== Number.NEGATIVE_INFINITY) {
      this.#giver = { ...current, until: Number.NEGATIVE_INFINITY };
      this.#timers.giver?.();
      this.#timers.giver = undefined;
    }
    return undefined;
  }

  /**
   * Whom a holding this node gives up is handed to: the member it elects, or (when it elects
   * itself: a graceful stop) the best-ranked other member. Never a giver it still excludes (see
   * #elected): that one is leaving, or its newer record has not reached this node yet.
   */
  #successor(): string | undefined {
    const self = this.options.member.id;
    const elected = this.#elected();
    if (elected !== undefined && elected.id !== self) return elected.id;
    const excluded = this.#excludedGiver();
    return this.view.sorted().find((m) => m.id !== self && m.id !== excluded && !m.observer)?.id;
  }

  /** The session's deadline, counted down by both clocks (see SessionDeadline). */
  #sessionDeadline(session: MembershipSession): number {
    return this.#deadline.read(session.deadline());
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
    const claim = this.#claim;
    if (!claim) return;
    const state = this.store.current;
    if (state.phase === 'leader') {
      if (claim.heldToken() !== state.term)
        this.#demote('lock-lost', 'follower'); // the watch showed it gone
      else if (electedIsMe) this.#cancelHandover();
      else this.#considerHandover();
      if (this.store.current.phase === 'leader') {
        this.store.dispatch({ type: 'renewed', leaseDeadline: deadline });
        return;
      }
    }
    // A holding given up goes straight to the member this node elects, where the backend can transfer.
    const successor = electedIsMe ? undefined : this.#successor();
    claim.reconcile(electedIsMe, successor);
    const token = claim.heldToken();
    // Stryker disable next-line StringLiteral: a leader returned above and reconcile() calls back only asynchronously, so the phase is never 'leader' here
    if (electedIsMe && token !== null && this.store.current.phase !== 'leader') {
      const now = this.options.clock.now();
      this.store.dispatch({ type: 'elected', term: token, leaseDeadline: deadline, at: now });
      this.options.logger.info({ term: token.toString() }, 'elected');
      return;
    }
    const holder = claim.holder;
    // Until the backend says who leads now, this node knows of no leader: never claim itself.
    const others = holder !== null && holder.id !== this.options.member.id ? holder : null;
    this.#observe(others?.id ?? null, others?.token ?? null);
    this.#phase(electedIsMe ? 'candidate' : 'follower');
  }

  #considerHandover(): void {
    const delay = this.options.handoverDelayMs;
    if (delay === 0) {
      this.#handover();
      return;
    }
    if (this.#timers.handover || this.stopped) return;
    this.#timers.handoverAt = this.options.clock.now() + delay;
    this.#timers.handover = this.options.clock.setTimer(() => {
      this.#timers.handover = undefined;
      this.#timers.handoverAt = undefined;
      const stillOutranked = this.#elected()?.id !== this.options.member.id;
      if (stillOutranked && this.store.current.phase === 'leader') this.#handover();
      this.evaluate();
    }, delay);
  }

  #cancelHandover(): void {
    this.#timers.handover?.();
    this.#timers.handover = undefined;
    this.#timers.handoverAt = undefined;
  }

  #handover(): void {
    this.#cancelHandover();
    // Stop leading first, release second: there is no instant at which both nodes lead.
    this.#demote('handover', 'follower');
    this.options.logger.info({ to: this.view.leader()?.id }, 'handing over to a better-ranked member');
  }

  /**
   * Past the deadline without an acknowledged renewal: stop leading (safety first) but keep the
   * session, whose adapter keeps renewing it. Polls the deadline until a renewal is acknowledged
   * again (evaluate() then resumes) or the backend reports the registration lost (onLost).
   */
  #unreachable(sessionDeadline: number): void {
    if (!this.#pastDeadline) {
      this.#pastDeadline = true;
      this.options.logger.debug(
        { ttlMs: this.options.ttlMs },
        'no renewal acknowledged within the TTL; not leading, still renewing the same registration',
      );
    }
    this.#cancelHandover();
    // The reason first: every event of this step (demoted, leader: none) carries why, so a listener
    // never sees "no leader" from a node that still claims to see the backend.
    this.#reason({
      kind: 'backend-unreachable',
      since: sessionDeadline - this.options.ttlMs, // about when the last acknowledged renewal was sent
      // Masked here, as it is read: the error object was masked when reported, but an adapter may
      // reuse and rewrite it since. (The join's texts come from toElectionError, masked as made.)
      lastError: this.#outages.lastError ? maskSecrets(String(this.#outages.lastError.message)) : null,
    });
    this.#demote('deadline', 'follower');
    // Stryker disable next-line ConditionalExpression: after stop() the reducer ignores the follower phase, leaderId is already null and #scheduleDeadlineCheck refuses
    if (this.stopped) return; // a 'demoted' listener called stop()
    this.#observe(null, null);
    this.#phase('follower');
    this.#scheduleDeadlineCheck(this.#nextPoll());
  }

  /** While the backend fails or the deadline has passed, the deadline is checked this often. */
  #nextPoll(): number {
    return this.options.clock.now() + Math.min(1000, Math.max(50, this.options.ttlMs / 10));
  }

  /**
   * The backend reported the registration gone: forget the session and join again. A session that
   * died young makes the next join wait a backoff, so a join slower than the TTL cannot turn into
   * a rejoin loop.
   */
  #abandon(cause: Error): void {
    const session = this.#detach();
    // Stryker disable next-line ConditionalExpression,LogicalOperator: onLost is epoch-guarded, so #abandon only runs with a current session, which stop() detaches first
    if (!session || this.stopped) return;
    // Stryker disable next-line BooleanLiteral: nothing reads it before #attach sets it to false (evaluate() returns early without a session)
    this.#pastDeadline = false;
    this.#demote('session-lost', 'joining');
    if (this.stopped) {
      session.close();
      return; // a 'demoted' listener called stop()
    }
    this.#phase('joining');
    this.#observe(null, null);
    const lost =
      cause instanceof SessionLostError
        ? cause
        : new SessionLostError(`the registration was lost: ${maskSecrets(cause.message)}`, { cause });
    this.reportError(lost);
    session.close();
    const { clock, ttlMs } = this.options;
    if (clock.now() - this.#attachedAt >= ttlMs) {
      this.#rejoinBackoff.reset();
      this.#youngDeaths = 0;
    }
    // The first loss rejoins at once; sessions that keep dying young wait a growing backoff.
    // Stryker disable next-line UpdateOperator: the count is only compared with 0 and reset to 0, and -- moves away from 0 as ++ does
    const delay = this.#youngDeaths++ === 0 ? 0 : this.#rejoinBackoff.next();
    const signal = this.#lifecycle.signal;
    sleep(clock, delay, signal)
      .then(() => this.#join(false))
      .then(
        (next) => this.#attach(next),
        () => {}, // only rejects when stopped, which is already being handled
      );
  }

  /** Records why this node is or is not the leader, from the state evaluate() just settled. */
  #explain(): void {
    const state = this.store.current;
    const { member, compare, ttlMs } = this.options;
    const elected = this.#elected();
    let reason: ElectionReason;
    if (state.phase === 'leader') {
      const at = this.#timers.handoverAt;
      reason =
        at !== undefined && elected && elected.id !== member.id
          ? { kind: 'handover-pending', to: elected.id, inMs: Math.max(0, at - this.options.clock.now()) }
          : { kind: 'leading', term: state.term };
    } else if (member.observer) reason = { kind: 'observer' };
    else if (!elected) reason = { kind: 'no-candidates' };
    else if (elected.id !== member.id) {
      const because =
        compare !== compareMembers
          ? 'custom-order'
          : (elected.priority ?? 0) !== (member.priority ?? 0)
            ? 'priority'
            : 'id-order';
      reason = { kind: 'outranked', by: elected.id, because };
    } else {
      const holder = this.#claim?.holder ?? null;
      reason =
        holder && holder.id !== member.id
          ? { kind: 'lock-held-by', id: holder.id, term: holder.token, expiresWithinMs: ttlMs }
          : { kind: 'acquiring' };
    }
    this.#reason(reason);
  }

  #reason(reason: ElectionReason): void {
    this.store.dispatch({ type: 'reason', reason });
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
    if (this.stopped || !Number.isFinite(at) || this.#timers.deadlineAt === at) return;
    this.#timers.deadline?.();
    this.#timers.deadlineAt = at;
    this.#timers.deadline = this.options.clock.setTimer(() => {
      this.#timers.deadline = undefined;
      this.#timers.deadlineAt = undefined;
      this.evaluate();
    }, at - this.options.clock.now());
  }

  /** Moves the deadline check earlier, never later: evaluate() alone decides the next one. */
  #checkBy(at: number): void {
    const scheduled = this.#timers.deadlineAt;
    if (scheduled === undefined || at < scheduled) this.#scheduleDeadlineCheck(at);
  }

  #scheduleResync(): void {
    if (this.stopped) return; // a 'joining' listener called stop() inside start()
    this.#timers.resync = this.options.clock.setTimer(() => {
      // Stryker disable next-line ConditionalExpression: stop() cancels this timer before it can run, and #scheduleResync() refuses after stop()
      if (this.stopped) return;
      this.#claim?.unpark(); // safety net: ask for the lock again even if a watch event was missed
      this.evaluate();
      this.#scheduleResync();
    }, this.options.resyncIntervalMs);
  }

  #clearTimers(): void {
    for (const cancel of [
      this.#timers.deadline,
      this.#timers.resync,
      this.#timers.handover,
      this.#timers.giver,
    ])
      cancel?.();
    this.#timers = {};
  }
}
