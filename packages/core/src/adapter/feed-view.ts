import type { HolderListener, LockHolder, MembershipEvent } from '../contracts/backend.js';
import type { Member, Unsubscribe } from '../contracts/member.js';
import type { Logger } from '../logger.js';
import type { FeedChange, FeedSnapshot } from './election-feed.js';
import { Listeners } from './listeners.js';
import { sameHolder, sameMembers } from './snapshots.js';

export interface FeedViewOptions {
  readonly logger: Logger;
  /** See ElectionFeedOptions.dedupe. */
  readonly dedupe?: boolean;
  /** See ElectionFeedOptions.self. */
  readonly self?: {
    readonly id: string;
    readonly owner: string;
    readonly gone: (owner: string | undefined) => void;
  };
}

interface HolderAt {
  readonly holder: LockHolder;
  readonly revision: bigint | undefined;
}

/**
 * The election as an ElectionFeed last published it: the members (with the registration each is
 * bound to), the holder and the revision they are as of, and the listener sets, the current view
 * handed at once to a late listener. It applies reads and changes under the feed's rules: what
 * changes nothing is dropped, this session's own record is checked before anything is published,
 * and only a holding of this session's own registration says `handed`. Once closed it publishes
 * nothing.
 */
export class FeedView {
  readonly #options: FeedViewOptions;
  readonly #memberListeners: Listeners<MembershipEvent>;
  readonly #holderListeners: Listeners<HolderAt>;
  #members: Map<string, Member> | undefined;
  readonly #owners = new Map<string, string>();
  #holder: HolderAt | undefined;
  #revision: bigint | undefined;
  #closed = false;

  constructor(options: FeedViewOptions) {
    this.#options = options;
    this.#memberListeners = new Listeners(options.logger, 'membership');
    this.#holderListeners = new Listeners(options.logger, 'lock holder');
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Publishes nothing more; listeners are dropped. */
  close(): void {
    this.#closed = true;
    this.#memberListeners.clear();
    this.#holderListeners.clear();
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
    if (this.#closed) return;
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

  /** A read: replaces the view (after the `self` check when `check`). */
  publish(snapshot: FeedSnapshot, check: boolean): void {
    if (snapshot.owners !== undefined) {
      this.#owners.clear();
      for (const [id, owner] of snapshot.owners) this.#owners.set(id, owner);
    }
    if (check) this.#checkSelf();
    if (this.#closed) return;
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
  }

  #checkSelf(): void {
    const self = this.#options.self;
    const owner = self === undefined ? undefined : this.#owners.get(self.id);
    if (self !== undefined && owner !== self.owner) self.gone(owner);
  }

  /** Applies a push follow's changes: a put that changes nothing and a delete of nobody are dropped. */
  applyChanges(changes: readonly FeedChange[]): void {
    for (const { member, owner } of changes) {
      if (member?.type === 'put' && owner !== undefined) this.#owners.set(member.member.id, owner);
      else if (member?.type === 'delete') this.#owners.delete(member.id);
    }
    this.#checkSelf();
    this.#members ??= new Map();
    const members = this.#members;
    for (const { member, holder, holderOwner, revision } of changes) {
      if (this.#closed) return;
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
