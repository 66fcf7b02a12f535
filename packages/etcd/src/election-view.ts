import {
  type LockHolder,
  type Logger,
  MalformedEntryError,
  type MalformedReporter,
  type Member,
  type MembershipEvent,
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

export interface ViewChange {
  readonly memberEvent?: MembershipEvent;
  readonly holderChanged: boolean;
}

/**
 * The decoded contents of one election's keys: members and the leader lock holder. Pure
 * bookkeeping, no I/O: the watcher feeds it ranges and watch events, it says what changed.
 * Malformed entries are reported once and otherwise treated as absent.
 */
export class ElectionView {
  readonly #registrations = new Map<string, Registration>();
  #currentHolder: LockHolder = null;
  /** The lease the leader key is bound to ('0' when free). */
  #holderLease = '0';
  /** Every change up to this revision is reflected here (from a range, or the last event applied). */
  #revision = 0n;

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

  get holder(): LockHolder {
    return this.#currentHolder;
  }

  /** The lease the leader key is bound to now ('0' when the lock is free). */
  get holderLease(): string {
    return this.#currentHolder === null ? '0' : this.#holderLease;
  }

  /** The revision up to which this view is known to be complete. */
  get upToRevision(): bigint {
    return this.#revision;
  }

  members(): Member[] {
    return [...this.#registrations.values()].map((registration) => registration.member);
  }

  /** The lease bound to `id`'s member key, or undefined when it is not registered. */
  leaseOf(id: string): string | undefined {
    return this.#registrations.get(id)?.lease;
  }

  /** Replaces everything with a range's result as of `revision`. Returns whether the holder changed. */
  replace(kvs: readonly Kv[], revision: bigint): boolean {
    this.#revision = revision;
    this.#registrations.clear();
    const previousHolder = this.#currentHolder;
    this.#currentHolder = null;
    for (const kv of kvs) this.#put(kv);
    return !sameHolder(previousHolder, this.#currentHolder);
  }

  apply(type: 'Put' | 'Delete', kv: Kv): ViewChange {
    const key = kv.key.toString('utf8');
    const revision = BigInt(kv.mod_revision);
    if (revision > this.#revision) this.#revision = revision;
    if (type === 'Delete') {
      this.#reporter.forget(key);
      return this.#remove(key);
    }
    const previousHolder = this.#currentHolder;
    const before = this.#registrationAt(key);
    const after = this.#put(kv);
    const holderChanged = !sameHolder(previousHolder, this.#currentHolder);
    if (after !== undefined && after.json !== before?.json) {
      return { memberEvent: { type: 'put', member: after.member }, holderChanged };
    }
    if (after === undefined && before !== undefined) {
      return { memberEvent: { type: 'delete', id: before.member.id }, holderChanged };
    }
    return { holderChanged };
  }

  #registrationAt(key: string): Registration | undefined {
    const id = key.startsWith(this.#layout.membersPrefix)
      ? key.slice(this.#layout.membersPrefix.length)
      : undefined;
    return id === undefined ? undefined : this.#registrations.get(id);
  }

  #remove(key: string): ViewChange {
    if (key === this.#layout.leaderKey) {
      const holderChanged = this.#currentHolder !== null;
      this.#currentHolder = null;
      return { holderChanged };
    }
    const before = this.#registrationAt(key);
    if (before === undefined) return { holderChanged: false };
    this.#registrations.delete(before.member.id);
    return { memberEvent: { type: 'delete', id: before.member.id }, holderChanged: false };
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
