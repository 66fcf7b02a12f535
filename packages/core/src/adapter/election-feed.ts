import type { HolderListener, LockHolder, MembershipEvent } from '../contracts/backend.js';
import type { Member, Unsubscribe } from '../contracts/member.js';
import type { Logger } from '../logger.js';
import { type BackoffOptions, createBackoff } from '../time/backoff.js';
import { type Clock, sleep } from '../time/clock.js';
import { Listeners } from './listeners.js';
import { RateLimiter } from './rate-limiter.js';
import { sameHolder, sameMembers } from './snapshots.js';

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

interface HolderAt {
  readonly holder: LockHolder;
  readonly revision: bigint | undefined;
}

/**
 * The watcher loop every adapter re-derived: read the whole election, then follow its changes
 * until that fails, then a capped, jittered backoff and a fresh read, whose snapshot replaces the
 * view, so no change is lost or applied twice. It owns the current members and holder (with the
 * revision they are as of), the listener sets, with the current view handed at once to a late
 * listener, and the checks around each update. The adapter supplies a `read` and, if it can push,
 * a `follow`: etcd reads a range and follows a watch; Consul reads with a blocking query, paced;
 * a polling backend reads every `pace.intervalMs`. `stop()` ends everything: a late answer is
 * dropped.
 */
export class ElectionFeed<S extends FeedSnapshot = FeedSnapshot> {
  readonly #options: ElectionFeedOptions<S>;
  readonly #controller = new AbortController();
  readonly #backoff;
  readonly #limiter: RateLimiter | undefined;
  readonly #memberListeners: Listeners<MembershipEvent>;
  readonly #holderListeners: Listeners<HolderAt>;
  #members: Map<string, Member> | undefined;
  readonly #owners = new Map<string, string>();
  #holder: HolderAt | undefined;
  #revision: bigint | undefined;
  #closeFollow: () => void = () => {};
  #started = false;
  /** The revision the next read waits past (reads without a follow). */
  #after = 0n;
  #warnedNoRevision = false;

  constructor(options: ElectionFeedOptions<S>) {
    this.#options = options;
    this.#backoff = createBackoff({ initialMs: 100, maxMs: 1000, ...options.backoff });
    const { pace } = options;
    if (pace !== undefined) this.#limiter = new RateLimiter(options.clock, pace.burst ?? 1, pace.intervalMs);
    this.#memberListeners = new Listeners(options.logger, 'membership');
    this.#holderListeners = new Listeners(options.logger, 'lock holder');
    if (options.initial !== undefined) this.#publish(options.initial, false);
  }

  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  /** The members as last published; undefined before the first read. */
  get members(): readonly Member[] | undefined {
    return this.#members === undefined ? undefined : [...this.#members.values()];
  }

  /** The holder as last published; undefined before it was first known. */
  get holder(): LockHolder | undefined {
    return this.#holder?.holder;
  }

  /** The revision the view is complete up to (the last read's, or the newest change's). */
  get revision(): bigint | undefined {
    return this.#revision;
  }

  /**
   * Whether the feed already showed the holding with fencing token `token` end: it is at or past
   * the revision that wrote it, and the holder it shows is another (see HolderListener). The rule
   * `acquireUnlessBlockerEnded` asks of a lock whose refusal names the blocking holding's token.
   */
  showedEnd(token: bigint): boolean {
    const revision = this.#revision;
    return revision !== undefined && revision >= token && this.#holder?.holder?.token !== token;
  }

  /** Starts the loop: a follow from `initial` when given, else a read. Once. */
  start(): void {
    if (this.#started || this.stopped) return;
    this.#started = true;
    this.#run(this.#options.initial).catch((error: unknown) => {
      // #run() handles its own failures; reaching here is a bug, reported rather than left unhandled.
      this.#options.logger.error({ err: error }, 'the election feed failed unexpectedly');
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.#controller.abort();
    this.#closeFollow();
    this.#memberListeners.clear();
    this.#holderListeners.clear();
  }

  /** A snapshot of the members now (if known), to this listener alone; then every change. */
  watchMembers(listener: (event: MembershipEvent) => void): Unsubscribe {
    const members = this.members;
    return this.#memberListeners.add(
      listener,
      members === undefined ? undefined : { value: { type: 'snapshot', members } },
    );
  }

  /** The holder now (if known), with its revision, to this listener alone; then every change. */
  watchHolder(listener: HolderListener): Unsubscribe {
    const current = this.#holder;
    return this.#holderListeners.add(
      ({ holder, revision }) => listener(holder, revision),
      current === undefined ? undefined : { value: current },
    );
  }

  /** The registration `id`'s record is bound to, as last read (a transfer's successor). */
  ownerOf(id: string): string | undefined {
    return this.#owners.get(id);
  }

  /**
   * Publishes a holder bound to `owner` (at `revision`, default the feed's): for an adapter that
   * derives it itself (Consul's lock-delay tracker).
   */
  publishHolder(holder: LockHolder, revision = this.#revision, owner?: string): void {
    this.#setHolder(holder, revision, owner, this.#options.dedupe === true);
  }

  #setHolder(holder: LockHolder, revision: bigint | undefined, owner: string | undefined, dedupe: boolean) {
    if (this.stopped) return;
    const self = this.#options.self;
    // A holding handed to another registration is, to this session, only a holding.
    const shown =
      holder?.handed === true && self !== undefined && owner !== self.owner
        ? { id: holder.id, token: holder.token }
        : holder;
    const last = this.#holder;
    const next = { holder: shown, revision };
    if (dedupe && last !== undefined && sameHolder(last.holder, shown) && last.revision === revision) return;
    this.#holder = next;
    this.#holderListeners.emit(next);
  }

  async #run(initial: S | undefined): Promise<void> {
    const { read, follow } = this.#options;
    const signal = this.#controller.signal;
    let from = initial;
    while (!signal.aborted) {
      if (from === undefined) {
        const wait = this.#limiter?.take() ?? 0;
        if (wait > 0) await this.#pause(wait);
        if (signal.aborted) return;
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
    if (this.#options.follow !== undefined) return read;
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
            this.#applyChanges(apply());
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
    await this.#pause(delay);
  }

  /** Resolves after `ms`, or early when the feed stops. */
  #pause(ms: number): Promise<void> {
    return sleep(this.#options.clock, ms, this.#controller.signal).catch(() => undefined);
  }

  #publish(snapshot: S, check: boolean): void {
    if (snapshot.owners !== undefined) {
      this.#owners.clear();
      for (const [id, owner] of snapshot.owners) this.#owners.set(id, owner);
    }
    if (check) this.#checkSelf();
    if (this.stopped) return;
    const { dedupe } = this.#options;
    this.#revision = snapshot.revision;
    if (
      !(dedupe && this.#members !== undefined && sameMembers([...this.#members.values()], snapshot.members))
    ) {
      this.#members = new Map(snapshot.members.map((member) => [member.id, member]));
      this.#memberListeners.emit({ type: 'snapshot', members: [...snapshot.members] });
    }
    if (snapshot.holder !== undefined)
      this.#setHolder(snapshot.holder, this.#revision, snapshot.holderOwner, dedupe === true);
    this.#options.published?.(snapshot);
  }

  #checkSelf(): void {
    const self = this.#options.self;
    const owner = self === undefined ? undefined : this.#owners.get(self.id);
    if (self !== undefined && owner !== self.owner) self.gone(owner);
  }

  /** Applies a push follow's changes: a put that changes nothing and a delete of nobody are dropped. */
  #applyChanges(changes: readonly FeedChange[]): void {
    for (const { member, owner } of changes) {
      if (member?.type === 'put' && owner !== undefined) this.#owners.set(member.member.id, owner);
      else if (member?.type === 'delete') this.#owners.delete(member.id);
    }
    this.#checkSelf();
    this.#members ??= new Map();
    const members = this.#members;
    for (const { member, holder, holderOwner, revision } of changes) {
      if (this.stopped) return;
      if (revision !== undefined && (this.#revision === undefined || revision > this.#revision))
        this.#revision = revision;
      const before = member?.type === 'put' ? members.get(member.member.id) : undefined;
      if (member?.type === 'put' && (before === undefined || !sameMembers([before], [member.member]))) {
        members.set(member.member.id, member.member);
        this.#memberListeners.emit(member);
      } else if (member?.type === 'delete' && members.delete(member.id)) this.#memberListeners.emit(member);
      // A change moves the holder only when it differs (whatever `dedupe` says of reads).
      if (holder !== undefined && !sameHolder(this.#holder?.holder ?? null, holder))
        this.#setHolder(holder, this.#revision, holderOwner, false);
    }
  }
}
