import {
  type FeedChange,
  type FeedSnapshot,
  type LockHolder,
  type Logger,
  MalformedEntryError,
  type MalformedReporter,
  type Member,
  sameHolder,
} from '@election/core/adapter';
import type { IKeyValue } from 'etcd3';
import { type KeyLayout, parseEntry } from './keys.js';
import { SOURCE } from './source.js';

type Kv = Pick<IKeyValue, 'key' | 'value' | 'lease' | 'create_revision' | 'mod_revision'> &
  Partial<Pick<IKeyValue, 'version'>>;

interface Registration {
  readonly member: Member;
  readonly json: string;
  /** The lease the key is bound to, as etcd reports it ('0' for none). */
  readonly lease: string;
}

/**
 * The decoded contents of one election's keys: members, the lease each is bound to, and the leader
 * lock holder. Pure bookkeeping, no I/O: the feed's read hands it ranges and its follow watch
 * events; it says what changed, in the feed's terms. Malformed entries are reported once and
 * otherwise treated as absent.
 */
export class ElectionView {
  readonly #registrations = new Map<string, Registration>();
  #currentHolder: LockHolder = null;
  /** The lease the leader key is bound to ('0' when free). */
  #holderLease = '0';

  readonly #layout: KeyLayout;
  readonly #reporter: MalformedReporter;
  readonly #logger: Logger;
  readonly #onMalformed: (error: Error) => void;

  constructor(
    layout: KeyLayout,
    reporter: MalformedReporter,
    logger: Logger,
    onMalformed: (error: Error) => void,
  ) {
    this.#layout = layout;
    this.#reporter = reporter;
    this.#logger = logger;
    this.#onMalformed = onMalformed;
  }

  /** The lease the leader key is bound to now ('0' when the lock is free). */
  get holderLease(): string {
    return this.#currentHolder === null ? '0' : this.#holderLease;
  }

  /** The lease bound to `id`'s member key, or undefined when it is not registered. */
  leaseOf(id: string): string | undefined {
    return this.#registrations.get(id)?.lease;
  }

  /** Replaces everything with a range's result as of `revision`: the feed's snapshot. */
  replace(kvs: readonly Kv[], revision: bigint): FeedSnapshot {
    this.#registrations.clear();
    this.#currentHolder = null;
    for (const kv of kvs) this.#put(kv);
    const members: Member[] = [...this.#registrations.values()].map((registration) => registration.member);
    return { members, holder: this.#currentHolder, revision };
  }

  /** One watch event: the feed's change (the holder is in it only when it moved). */
  apply(type: 'Put' | 'Delete', kv: Kv): FeedChange {
    const key = kv.key.toString('utf8');
    const revision = BigInt(kv.mod_revision);
    if (type === 'Delete') {
      this.#reporter.forget(key);
      return { ...this.#remove(key), revision };
    }
    const previousHolder = this.#currentHolder;
    const before = this.#registrationAt(key);
    const after = this.#put(kv);
    const holder = sameHolder(previousHolder, this.#currentHolder) ? {} : { holder: this.#currentHolder };
    if (after !== undefined && after.json !== before?.json) {
      return { member: { type: 'put', member: after.member }, ...holder, revision };
    }
    if (after === undefined && before !== undefined) {
      return { member: { type: 'delete', id: before.member.id }, ...holder, revision };
    }
    return { ...holder, revision };
  }

  #registrationAt(key: string): Registration | undefined {
    const id = key.startsWith(this.#layout.membersPrefix)
      ? key.slice(this.#layout.membersPrefix.length)
      : undefined;
    return id === undefined ? undefined : this.#registrations.get(id);
  }

  #remove(key: string): FeedChange {
    if (key === this.#layout.leaderKey) {
      const held = this.#currentHolder !== null;
      this.#currentHolder = null;
      return held ? { holder: null } : {};
    }
    const before = this.#registrationAt(key);
    if (before === undefined) return {};
    this.#registrations.delete(before.member.id);
    return { member: { type: 'delete', id: before.member.id } };
  }

  /** Records one key; returns the registration it now holds, if it is a valid member key. */
  #put(kv: Kv): Registration | undefined {
    const key = kv.key.toString('utf8');
    const value = kv.value.toString('utf8');
    const entry = parseEntry(this.#layout, key, value);
    if (entry.kind === 'leader') {
      this.#currentHolder = leaderHolder(entry.id, kv);
      this.#holderLease = kv.lease;
      this.#reporter.forget(key);
      return undefined;
    }
    if (entry.kind === 'malformed') {
      const error = new MalformedEntryError(
        key,
        `Skipping malformed etcd entry ${JSON.stringify(key)}: ${entry.reason}. Delete it (etcdctl del ${JSON.stringify(key)}) or fix its value.`,
        { source: SOURCE },
      );
      // Once per key per backend (across sessions and resyncs), so a stray key does not flood the log.
      if (this.#reporter.report(error, '', this.#logger)) this.#onMalformed(error);
      // A member key that turned malformed no longer registers anyone.
      const stale = this.#registrationAt(key);
      if (stale !== undefined) this.#registrations.delete(stale.member.id);
      if (key === this.#layout.leaderKey) {
        // The lock is taken even if its value is unreadable: report it held, never free.
        this.#currentHolder = leaderHolder(value, kv);
        this.#holderLease = kv.lease;
      }
      return undefined;
    }
    this.#reporter.forget(key);
    const registration = { member: entry.member, json: value, lease: kv.lease };
    this.#registrations.set(entry.member.id, registration);
    return registration;
  }
}

/**
 * The holder the leader key names. Its fencing token is the key's mod revision: the revision of
 * the write that gave it to this holder, a create (tryAcquire: the key is created only if absent,
 * so its version is 1) or the put of a direct transfer (version above 1: the record says it was
 * handed to its holder). Both only ever grow; nothing else writes the key.
 */
function leaderHolder(id: string, kv: Kv): LockHolder {
  const token = BigInt(kv.mod_revision);
  return kv.version !== undefined && BigInt(kv.version) > 1n ? { id, token, handed: true } : { id, token };
}
