import type { HolderListener, LockHolder, MembershipEvent } from '../contracts/backend.js';
import type { Member, Unsubscribe } from '../contracts/member.js';
import type { Logger } from '../logger.js';
import { type BackoffOptions, createBackoff } from '../time/backoff.js';
import { type Clock, sleep } from '../time/clock.js';
import { FeedView } from './feed-view.js';
import { RateLimiter } from './rate-limiter.js';

/** The shortest pause a poll's `soonerMs` can ask for, ms: a value at or below 0 is no hot loop. */
export const MIN_POLL_PAUSE_MS = 5;

/** One full read of the election: every member, the holder, and where in the backend's history it is. */
export interface FeedSnapshot {
  readonly members: readonly Member[];
  /**
   * Who holds the leader lock. Absent when the adapter publishes the holder itself
   * (`publishHolder`: Consul's holder goes through its lock-delay tracker first).
   */
  readonly holder?: LockHolder;
  /** etcd's revision, Consul's X-Consul-Index, a sequence: where this read is (see HolderListener). */
  readonly revision?: bigint;
  /**
   * The registration each member's record is bound to, by member id: etcd's lease, Consul's
   * session, a row's session id. What tells a session its own record is still its own.
   */
  readonly owners?: ReadonlyMap<string, string>;
  /** The registration the holding is bound to (see `self`: only a holding of ours may say handed). */
  readonly holderOwner?: string;
}

/** One change a push follow saw (etcd: one watch event, applied to the adapter's own view). */
export interface FeedChange {
  /** A member registered, rewritten or gone. */
  readonly member?: Extract<MembershipEvent, { type: 'put' | 'delete' }>;
  /** The registration a put member record is bound to. */
  readonly owner?: string;
  /** The holder after this change, when the change touched the lock (null: the lock is free). */
  readonly holder?: LockHolder;
  /** The registration the holding is bound to. */
  readonly holderOwner?: string;
  /** The change's revision: the feed's revision moves up to it (never down). */
  readonly revision?: bigint;
}

/** What a push follow reports to the feed. Calls after a failure, or after stop(), are dropped. */
export interface FeedSink {
  /** The follow is established (etcd: the watch was created): the backoff starts small again. */
  confirmed(): void;
  /**
   * Changes to publish. `apply` reads them (it may apply backend events to the adapter's own view);
   * if it throws, the follow fails and the feed reads again, so a bad event never goes uncaught.
   */
  changes(apply: () => readonly FeedChange[]): void;
  /** The follow ended for good (stream error or end, cancelled by the backend). */
  fail(error: unknown): void;
}

export interface ElectionFeedOptions<S extends FeedSnapshot> {
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * A read the adapter already made (etcd's join transaction): the feed's view from the start,
   * published without the `self` check (the join just saw its own registration) and followed from.
   */
  readonly initial?: S;
  /**
   * One read of the whole election. Rejects on failure: retried after a backoff. `signal` aborts
   * on stop(). Without a follow, `after` is the revision of the last read (0 before the first and
   * after a reset): a blocking read waits for a newer one (Consul's `?index=`). The feed keeps the
   * blocking-query rules (Consul's api-docs/features/blocking.mdx): a read at the same revision
   * changed nothing and is not published; a revision that went backwards (a snapshot restore)
   * resets `after` to 0; a revision below 1 is taken as 1 (never block on 0); a read without a
   * revision resets `after` to 0 (see `noRevision`).
   */
  read(signal: AbortSignal, after: bigint): Promise<S>;
  /**
   * Optional push follow (etcd's watch) from the state `from` was read at: reports changes to
   * `sink` until it fails; returns what closes it. Without it the feed reads again and again,
   * paced by `pace` (Consul's blocking queries, a poll).
   */
  follow?(from: S, sink: FeedSink): () => void;
  /** Said once as a warning, then at debug, when a read has no revision (nothing to block on). */
  readonly noRevision?: string;
  /** A follow not confirmed within this many ms counts as failed. Default: no bound. */
  readonly confirmWithinMs?: number;
  /**
   * Without a follow: a token bucket between reads, `burst` at once, then one per `intervalMs`
   * (Consul's blocking-query advice; a poll is burst 1). Default: no pause (reads that block).
   */
  readonly pace?: { readonly burst?: number; readonly intervalMs: number };
  /**
   * Without a follow: reads that do not block (a row-based backend's poll). The next read comes
   * `intervalMs` after the last one, or after `soonerMs(read)` when that is shorter (PostgreSQL:
   * just after its first live row expires by the database's clock), or at once on `wake()` (a
   * NOTIFY, a write of this session). Every read is published (under `dedupe`), whatever its
   * revision: rows expire without a write, so a read at the same revision may hold fewer members.
   * With `initial`, the first read comes after that pause too. A `soonerMs` that is not a finite
   * number (NaN, undefined) counts as `intervalMs`; one below {@link MIN_POLL_PAUSE_MS} counts as
   * that floor, so a wrong value neither stalls the feed nor makes back-to-back reads.
   */
  readonly poll?: {
    readonly intervalMs: number;
    readonly soonerMs?: (read: S) => number | undefined;
  };
  /** Delays after a failure, capped and jittered. Default 100 ms up to 1 s. */
  readonly backoff?: BackoffOptions;
  /**
   * A view equal to the one published last is not published again: members by `sameMembers`, the
   * holder by `sameHolder` at the same revision (a repeat at a newer revision is news: it tells
   * that a holding taken and dropped between two reads is gone). Default false: every read is
   * published as a fresh snapshot, and its holder too (etcd after a resync).
   */
  readonly dedupe?: boolean;
  /**
   * This session's own registration: member `id`, bound to `owner`. Before a read or a batch of
   * changes is published, the feed checks that `id`'s record is still bound to `owner`; when it is
   * not, `gone` runs with the owner it is bound to now (undefined: no record), before anything of
   * the update is published (the session is lost, and stops the feed: the update is withheld),
   * so core demotes for the real reason. And a holding says `handed` only when bound to `owner`.
   */
  readonly self?: {
    readonly id: string;
    readonly owner: string;
    readonly gone: (owner: string | undefined) => void;
  };
  /** Runs after a read was published (Consul: hands its holder to the lock-delay tracker). */
  readonly published?: (snapshot: S) => void;
  /** A read or a follow failed; the next read comes in `retryInMs`. */
  readonly onError: (error: unknown, retryInMs: number, during: 'read' | 'follow') => void;
}

/**
 * The watcher loop every adapter re-derived: read the whole election, then follow its changes
 * until that fails, then a capped, jittered backoff and a fresh read, whose snapshot replaces the
 * view, so no change is lost or applied twice. It owns the current members and holder (with the
 * revision they are as of), the listener sets, with the current view handed at once to a late
 * listener, and the checks around each update. The adapter supplies a `read` and, if it can push,
 * a `follow`: etcd reads a range and follows a watch; Consul reads with a blocking query, paced;
 * a polling backend reads every `poll.intervalMs`. `stop()` ends everything: a late answer is
 * dropped.
 */
export class ElectionFeed<S extends FeedSnapshot = FeedSnapshot> {
  readonly #options: ElectionFeedOptions<S>;
  readonly #controller = new AbortController();
  readonly #backoff;
  readonly #limiter: RateLimiter | undefined;
  readonly #view: FeedView;
  #closeFollow: () => void = () => {};
  #started = false;
  /** The revision the next read waits past (reads without a follow). */
  #after = 0n;
  #warnedNoRevision = false;
  /** A poll's pause before the next read, set by a published read (undefined: read at once). */
  #pollInMs: number | undefined;
  /** wake() came while no pause ran: the next pause is skipped. */
  #woken = false;
  /** Cuts the poll's running pause short. */
  #wakeUp: (() => void) | undefined;

  constructor(options: ElectionFeedOptions<S>) {
    this.#options = options;
    this.#backoff = createBackoff({ initialMs: 100, maxMs: 1000, ...options.backoff });
    const { pace } = options;
    if (pace !== undefined) this.#limiter = new RateLimiter(options.clock, pace.burst ?? 1, pace.intervalMs);
    this.#view = new FeedView(options);
    if (options.initial !== undefined) this.#publish(options.initial, false);
  }

  /**
   * A poll reads now (a NOTIFY, a write of this session): the pause before the next read ends at
   * once; during a read, the next one follows it without a pause. Does nothing without `poll`.
   */
  wake(): void {
    if (this.#options.poll === undefined) return;
    this.#woken = true;
    this.#wakeUp?.();
  }

  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  /** The members as last published; undefined before the first read. */
  get members(): readonly Member[] | undefined {
    return this.#view.members;
  }

  /** The holder as last published; undefined before it was first known. */
  get holder(): LockHolder | undefined {
    return this.#view.holder;
  }

  /** The revision the view is complete up to (the last read's, or the newest change's). */
  get revision(): bigint | undefined {
    return this.#view.revision;
  }

  /** See FeedView.showedEnd. */
  showedEnd(token: bigint): boolean {
    return this.#view.showedEnd(token);
  }

  /** Starts the loop: a follow from `initial` when given, else a read. Once. */
  start(): void {
    if (this.#started || this.stopped) return;
    this.#started = true;
    const { initial, follow, poll } = this.#options;
    // A poll follows from `initial` by reading again after the pause it sets.
    if (poll !== undefined && initial !== undefined) this.#pollInMs = this.#pollDelay(initial);
    this.#run(follow === undefined ? undefined : initial).catch((error: unknown) => {
      // #run() handles its own failures; reaching here is a bug, reported rather than left unhandled.
      this.#options.logger.error({ err: error }, 'the election feed failed unexpectedly');
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.#controller.abort();
    this.#wakeUp?.();
    this.#closeFollow();
    this.#view.close();
  }

  /** A snapshot of the members now (if known), to this listener alone; then every change. */
  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    return this.#view.watchMembers(listener);
  }

  /** The holder now (if known), with its revision, to this listener alone; then every change. */
  watchHolder(listener: HolderListener): Unsubscribe {
    return this.#view.watchHolder(listener);
  }

  /** The registration `id`'s record is bound to, as last read (a transfer's successor). */
  ownerOf(id: string): string | undefined {
    return this.#view.ownerOf(id);
  }

  /**
   * Publishes a holder bound to `owner` (at `revision`, default the feed's): for an adapter that
   * derives it itself (Consul's lock-delay tracker).
   */
  publishHolder(holder: LockHolder, revision = this.#view.revision, owner?: string): void {
    this.#view.publishHolder(holder, revision, owner);
  }

  async #run(initial: S | undefined): Promise<void> {
    const { read, follow } = this.#options;
    const signal = this.#controller.signal;
    let from = initial;
    while (!signal.aborted) {
      if (from === undefined) {
        const wait = this.#limiter?.take() ?? 0;
        if (wait > 0) await this.#pause(wait);
        if (this.#pollInMs !== undefined) await this.#pollPause(this.#pollInMs);
        if (signal.aborted) return;
        this.#woken = false; // this read answers any wake() before it
        try {
          from = this.#cursor(await read(signal, this.#after));
        } catch (error) {
          // An answer that raced stop() is dropped: nobody may hear from a stopped feed.
          if (signal.aborted) return;
          await this.#retry(error, 'read');
          continue;
        }
        if (signal.aborted) return;
        if (from !== undefined) this.#publish(from, true);
        if (follow === undefined) {
          // Reads are the feed: a successful one ends a run of failures.
          this.#backoff.reset();
          if (from !== undefined && this.#options.poll !== undefined) this.#pollInMs = this.#pollDelay(from);
          from = undefined;
          continue;
        }
        if (from === undefined || signal.aborted) continue;
      }
      const failure = await this.#follow(from);
      from = undefined;
      if (failure === undefined) return;
      await this.#retry(failure.error, 'follow');
    }
  }

  /**
   * The blocking-query rules (see `read`) for a feed without a follow: returns the read to
   * publish, or undefined when nothing changed.
   */
  #cursor(read: S): S | undefined {
    if (this.#options.follow !== undefined || this.#options.poll !== undefined) return read;
    const { logger, noRevision } = this.#options;
    let next = read.revision;
    if (next === undefined) {
      if (noRevision !== undefined) logger[this.#warnedNoRevision ? 'debug' : 'warn']({}, noRevision);
      this.#warnedNoRevision = true;
      this.#after = 0n;
      return read;
    }
    if (next < 1n) next = 1n;
    if (next < this.#after) {
      logger.info(
        { from: this.#after.toString(), to: next.toString() },
        'the revision went backwards; resetting',
      );
      this.#after = 0n;
    } else if (next === this.#after) return undefined;
    else this.#after = next;
    return next === read.revision ? read : { ...read, revision: next };
  }

  /** Follows from `from` until the follow fails (its error) or the feed stops (undefined). */
  #follow(from: S): Promise<{ readonly error: unknown } | undefined> {
    const { follow, confirmWithinMs, clock } = this.#options;
    return new Promise((resolve) => {
      let done = false;
      let close: (() => void) | undefined;
      let cancelTimer = () => {};
      const finish = (failure: { readonly error: unknown } | undefined) => {
        if (done) return;
        done = true;
        cancelTimer();
        close?.();
        this.#closeFollow = () => {};
        resolve(failure);
      };
      const live = () => !done && !this.stopped;
      const sink: FeedSink = {
        confirmed: () => {
          if (!live()) return;
          cancelTimer();
          this.#backoff.reset();
        },
        changes: (apply) => {
          if (!live()) return;
          try {
            this.#view.applyChanges(apply());
          } catch (error) {
            finish({ error });
          }
        },
        fail: (error) => {
          if (live()) finish({ error });
        },
      };
      this.#closeFollow = () => finish(undefined);
      if (confirmWithinMs !== undefined) {
        cancelTimer = clock.setTimer(
          () => finish({ error: new Error(`the watch was not confirmed within ${confirmWithinMs} ms`) }),
          confirmWithinMs,
        );
      }
      const closer = follow?.(from, sink) ?? (() => {});
      if (done) closer();
      else close = closer;
    });
  }

  async #retry(error: unknown, during: 'read' | 'follow'): Promise<void> {
    const delay = this.#backoff.next();
    this.#options.onError(error, delay, during);
    // A poll's backoff ends on a wake() that comes during it (a NOTIFY after a reconnect), not before.
    if (this.#options.poll !== undefined) await this.#pollPause(delay, false);
    else await this.#pause(delay);
  }

  /** The pause a poll makes after `read`: `intervalMs`, or `soonerMs` when shorter (not below the floor). */
  #pollDelay(read: S): number {
    const { intervalMs, soonerMs } = this.#options.poll ?? { intervalMs: 0 };
    const sooner = soonerMs?.(read);
    if (sooner === undefined || !Number.isFinite(sooner)) return intervalMs;
    return Math.min(intervalMs, Math.max(MIN_POLL_PAUSE_MS, sooner));
  }

  /**
   * A poll's pause: `ms`, cut short by wake() or stop(); none when wake() came before it (unless
   * `early` is false: a backoff is not skipped for a wake during the read that failed).
   */
  async #pollPause(ms: number, early = true): Promise<void> {
    this.#pollInMs = undefined;
    const cut = new AbortController();
    this.#wakeUp = () => cut.abort();
    if (!(early && this.#woken) && !this.stopped)
      await sleep(this.#options.clock, ms, cut.signal).catch(() => undefined);
    this.#wakeUp = undefined;
    this.#woken = false;
  }

  /** Resolves after `ms`, or early when the feed stops. */
  #pause(ms: number): Promise<void> {
    return sleep(this.#options.clock, ms, this.#controller.signal).catch(() => undefined);
  }

  #publish(snapshot: S, check: boolean): void {
    this.#view.publish(snapshot, check);
    if (!this.#view.closed) this.#options.published?.(snapshot);
  }
}
