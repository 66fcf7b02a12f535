/**
 * The simulator's KV table, following Consul's state store: CreateIndex/ModifyIndex/LockIndex
 * bookkeeping, lock acquire/release, check-and-set, and tombstones for deleted keys so that a
 * prefix's index never goes backwards until the tombstones are reaped.
 */
export interface KvRecord {
  readonly key: string;
  readonly value: Buffer | null;
  readonly flags: number;
  readonly session: string | undefined;
  readonly lockIndex: number;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface KvSnapshot {
  readonly entries: ReadonlyMap<string, KvRecord>;
  readonly tombstones: ReadonlyMap<string, number>;
  readonly tableIndex: number;
}

export class SimulatorKv {
  private entries = new Map<string, KvRecord>();
  private tombstones = new Map<string, number>();
  /** Index of the last change anywhere in the table: what a single-key read reports. */
  tableIndex = 0;

  get(key: string): KvRecord | undefined {
    return this.entries.get(key);
  }

  list(prefix: string): KvRecord[] {
    return [...this.entries.values()]
      .filter((e) => e.key.startsWith(prefix))
      .sort((a, b) => compare(a.key, b.key));
  }

  /** Keys under `prefix`, cut after the first `separator` following it (like Consul's ?keys&separator). */
  keys(prefix: string, separator: string | undefined): string[] {
    const out = new Set<string>();
    for (const { key } of this.list(prefix)) {
      const cut = separator ? key.indexOf(separator, prefix.length) : -1;
      out.add(cut === -1 ? key : key.slice(0, cut + (separator?.length ?? 0)));
    }
    return [...out].sort(compare);
  }

  /** A list's X-Consul-Index: newest entry or tombstone under the prefix, else the table's index. */
  prefixIndex(prefix: string): number {
    if (prefix === '') return this.tableIndex;
    let index = 0;
    for (const e of this.entries.values())
      if (e.key.startsWith(prefix)) index = Math.max(index, e.modifyIndex);
    for (const [key, at] of this.tombstones) if (key.startsWith(prefix)) index = Math.max(index, at);
    return index === 0 ? this.tableIndex : index;
  }

  /** A plain write keeps an existing lock (Consul preserves Session and LockIndex). */
  set(idx: number, key: string, value: Buffer, flags: number): void {
    const existing = this.entries.get(key);
    this.write(idx, {
      key,
      value,
      flags,
      session: existing?.session,
      lockIndex: existing?.lockIndex ?? 0,
      createIndex: existing?.createIndex ?? idx,
      modifyIndex: idx,
    });
  }

  /** cas 0: only if absent; otherwise only if ModifyIndex matches. */
  checkAndSet(idx: number, key: string, value: Buffer, flags: number, cas: number): boolean {
    const existing = this.entries.get(key);
    if (cas === 0 ? existing !== undefined : existing?.modifyIndex !== cas) return false;
    this.set(idx, key, value, flags);
    return true;
  }

  /** The caller has checked that `session` exists and that no lock-delay applies. */
  lock(idx: number, key: string, value: Buffer, flags: number, session: string): boolean {
    const existing = this.entries.get(key);
    if (existing?.session !== undefined && existing.session !== session) return false;
    const lockIndex =
      existing === undefined ? 1 : existing.session === session ? existing.lockIndex : existing.lockIndex + 1;
    this.write(idx, {
      key,
      value,
      flags,
      session,
      lockIndex,
      createIndex: existing?.createIndex ?? idx,
      modifyIndex: idx,
    });
    return true;
  }

  unlock(idx: number, key: string, value: Buffer, flags: number, session: string): boolean {
    const existing = this.entries.get(key);
    if (existing === undefined || existing.session !== session) return false;
    this.write(idx, { ...existing, value, flags, session: undefined, modifyIndex: idx });
    return true;
  }

  /** cas (non-zero) deletes only at that ModifyIndex; a cas of 0 deletes nothing. */
  delete(idx: number, key: string, options: { recurse?: boolean; cas?: number }): boolean {
    if (options.cas !== undefined) {
      // As Consul's state store (kvsDeleteCASTxn): a key that is already gone counts as deleted
      // (true), one whose ModifyIndex moved on is left alone (false).
      const entry = this.entries.get(key);
      if (entry === undefined) return true;
      if (entry.modifyIndex !== options.cas) return false;
    }
    const doomed = options.recurse ? this.list(key).map((e) => e.key) : this.entries.has(key) ? [key] : [];
    for (const k of doomed) this.remove(idx, k);
    if (doomed.length > 0) this.tableIndex = idx;
    return true;
  }

  heldBy(session: string): KvRecord[] {
    return [...this.entries.values()].filter((e) => e.session === session);
  }

  /** A session was invalidated: its keys are released (behavior release) or deleted (behavior delete). */
  invalidate(idx: number, session: string, behavior: 'release' | 'delete'): string[] {
    const held = this.heldBy(session);
    for (const e of held) {
      if (behavior === 'delete') this.remove(idx, e.key);
      else this.write(idx, { ...e, session: undefined, modifyIndex: idx });
    }
    if (held.length > 0) this.tableIndex = idx;
    return held.map((e) => e.key);
  }

  /** Consul garbage-collects tombstones after a while; a prefix's index may then go backwards. */
  reapTombstones(): void {
    this.tombstones.clear();
  }

  snapshot(): KvSnapshot {
    return {
      entries: new Map(this.entries),
      tombstones: new Map(this.tombstones),
      tableIndex: this.tableIndex,
    };
  }

  restore(snapshot: KvSnapshot): void {
    this.entries = new Map(snapshot.entries);
    this.tombstones = new Map(snapshot.tombstones);
    this.tableIndex = snapshot.tableIndex;
  }

  /**
   * A write that changes nothing is skipped: Consul's kvsSetTxn (agent/consul/state/kvs.go) keeps
   * the entry, its ModifyIndex and the table's index when `existing.Equal(entry)` (structs.DirEntry.Equal
   * compares key, flags, value, session and LockIndex, not the raft indexes). So an identical PUT,
   * or a session re-acquiring a key it holds with the same value, moves no index and wakes no watch.
   */
  private write(idx: number, record: KvRecord): void {
    const existing = this.entries.get(record.key);
    if (existing !== undefined && sameContent(existing, record)) return;
    this.entries.set(record.key, record);
    this.tombstones.delete(record.key);
    this.tableIndex = idx;
  }

  private remove(idx: number, key: string): void {
    this.entries.delete(key);
    this.tombstones.set(key, idx);
  }
}

function sameContent(a: KvRecord, b: KvRecord): boolean {
  const sameValue = a.value === null || b.value === null ? a.value === b.value : a.value.equals(b.value);
  return sameValue && a.flags === b.flags && a.session === b.session && a.lockIndex === b.lockIndex;
}

/** Byte order, as Consul's radix tree sorts keys. */
function compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
