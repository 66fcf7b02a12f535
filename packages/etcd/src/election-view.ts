import {
  type FeedChange,
  type FeedSnapshot,
  type LockHolder,
  type Logger,
  MalformedEntryError,
  type MalformedReporter,
  type Member,
} from '@election/core/adapter';
import type { IKeyValue } from 'etcd3';
import { type KeyLayout, parseEntry } from './keys.js';
import { SOURCE } from './source.js';

type Kv = Pick<IKeyValue, 'key' | 'value' | 'lease' | 'create_revision' | 'mod_revision'> &
  Partial<Pick<IKeyValue, 'version'>>;

/**
 * Decodes one election's keys into the feed's terms: a range into a snapshot (members, the lease
 * each member key is bound to, the leader lock holder and its lease), a watch event into a change.
 * Pure, no I/O and no state of its own: the feed keeps the view, and drops what changes nothing.
 * Malformed entries are reported once and otherwise treated as absent.
 */
export class ElectionView {
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

  /** A range's result as of `revision`: the feed's snapshot. */
  replace(kvs: readonly Kv[], revision: bigint): FeedSnapshot {
    const members = new Map<string, Member>();
    const owners = new Map<string, string>();
    let holder: LockHolder = null;
    let holderOwner: string | undefined;
    for (const kv of kvs) {
      const change = this.#put(kv);
      if (change.member?.type === 'put') {
        members.set(change.member.member.id, change.member.member);
        owners.set(change.member.member.id, kv.lease);
      }
      if (change.holder !== undefined) {
        holder = change.holder;
        holderOwner = change.holderOwner;
      }
    }
    return { members: [...members.values()], owners, holder, holderOwner, revision };
  }

  /** One watch event: the feed's change. */
  apply(type: 'Put' | 'Delete', kv: Kv): FeedChange {
    const key = kv.key.toString('utf8');
    const revision = BigInt(kv.mod_revision);
    if (type === 'Put') return { ...this.#put(kv), revision };
    this.#reporter.forget(key);
    if (key === this.#layout.leaderKey) return { holder: null, revision };
    const id = this.#layout.memberIdOf(key);
    return id === undefined ? { revision } : { member: { type: 'delete', id }, revision };
  }

  /** What one key says now: a member (bound to its lease), the holder, or, malformed, the absence of one. */
  #put(kv: Kv): FeedChange {
    const key = kv.key.toString('utf8');
    const value = kv.value.toString('utf8');
    const entry = parseEntry(this.#layout, key, value);
    if (entry.kind === 'leader') {
      this.#reporter.forget(key);
      return { holder: leaderHolder(entry.id, kv), holderOwner: kv.lease };
    }
    if (entry.kind === 'malformed') {
      const error = new MalformedEntryError(
        key,
        `Skipping malformed etcd entry ${JSON.stringify(key)}: ${entry.reason}. Delete it (etcdctl del ${JSON.stringify(key)}) or fix its value.`,
        { source: SOURCE },
      );
      // Once per key per backend (across sessions and resyncs), so a stray key does not flood the log.
      if (this.#reporter.report(error, '', this.#logger)) this.#onMalformed(error);
      // The lock is taken even if its value is unreadable: report it held, never free.
      if (key === this.#layout.leaderKey) return { holder: leaderHolder(value, kv), holderOwner: kv.lease };
      // A member key that turned malformed no longer registers anyone.
      const id = this.#layout.memberIdOf(key);
      return id === undefined ? {} : { member: { type: 'delete', id } };
    }
    this.#reporter.forget(key);
    return { member: { type: 'put', member: entry.member }, owner: kv.lease };
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
