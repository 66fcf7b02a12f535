import { type Clock, systemClock } from '@election/core';
import { SimulatorHttpError } from './simulator-error.js';
import { type KvRecord, type KvSnapshot, SimulatorKv } from './simulator-kv.js';
import { buildSession, MAX_LOCK_DELAY_MS, type SimSession } from './simulator-sessions.js';

/**
 * When a session whose TTL ran out is invalidated. Consul promises "between TTL and 2×TTL"; its
 * servers arm a 2×TTL timer on each renewal, which is the default here. `ttl` and `random` make the
 * other ends of that promise testable.
 */
export type SessionExpiry = 'twice-ttl' | 'ttl' | 'random';

export interface SimulatorStateOptions {
  readonly clock?: Clock;
  /** For `random` expiry and nothing else. Default Math.random. */
  readonly random?: () => number;
  readonly sessionExpiry?: SessionExpiry;
  /** The agent's node name, which sessions belong to. Default `simulator`. */
  readonly node?: string;
  /** Consul's session_ttl_min. Default 10 s. */
  readonly minSessionTtlMs?: number;
}

export interface PutOptions {
  readonly flags?: number;
  readonly cas?: number;
  readonly acquire?: string;
  readonly release?: string;
}

/** One KV operation of a /v1/txn (the verbs the simulator models). */
export interface TxnKvOp {
  readonly verb: 'get' | 'check-index' | 'check-session' | 'lock' | 'unlock';
  readonly key: string;
  readonly value: Buffer;
  readonly flags: number;
  readonly index: number;
  readonly session: string;
}

export type TxnOutcome =
  | { readonly ok: true; readonly results: readonly KvRecord[] }
  | { readonly ok: false; readonly opIndex: number; readonly what: string };

interface StateSnapshot {
  readonly raftIndex: number;
  readonly sessions: ReadonlyMap<string, SimSession>;
  readonly sessionsIndex: number;
  readonly kv: KvSnapshot;
}

/** Everything the simulated cluster knows, kept in memory across stop/start of its HTTP listener. */
export class SimulatorState {
  readonly kv = new SimulatorKv();
  readonly clock: Clock;
  readonly node: string;
  /** The raft index: every write takes the next one, whatever it touches. */
  raftIndex = 1;
  sessionsIndex = 0;
  private sessions = new Map<string, SimSession>();
  /** Nodes the catalog knows (each simulated agent registers its own); sessions are bound to one. */
  private readonly nodes = new Set<string>();
  private lockDelays = new Map<string, number>();
  private timers = new Map<string, () => void>();
  private timersRunning = true;
  private listeners = new Set<() => void>();
  private readonly options: SimulatorStateOptions;

  constructor(options: SimulatorStateOptions = {}) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.node = options.node ?? 'simulator';
    this.nodes.add(this.node);
  }

  /** An agent joined the cluster: its node is in the catalog, sessions may be bound to it. */
  registerNode(node: string): void {
    this.nodes.add(node);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Blocking queries parked right now (each waits on a change listener). */
  waitingQueries(): number {
    return this.listeners.size;
  }

  session(id: string): SimSession | undefined {
    return this.sessions.get(id);
  }

  allSessions(): SimSession[] {
    return [...this.sessions.values()].sort((a, b) => a.createIndex - b.createIndex);
  }

  /** `node`: the node of the agent that received the request (the session's, unless the body names one). */
  createSession(body: Record<string, unknown>, node = this.node): SimSession {
    const idx = this.raftIndex + 1;
    const session = buildSession(body, {
      idx,
      node,
      knownNodes: this.nodes,
      minTtlMs: this.options.minSessionTtlMs ?? 10_000,
    });
    this.raftIndex = idx;
    this.sessions.set(session.id, session);
    this.sessionsIndex = idx;
    this.armTimer(session);
    this.notify();
    return session;
  }

  /** Restarts the session's TTL timer; undefined when Consul no longer knows the session. */
  renewSession(id: string): SimSession | undefined {
    const session = this.sessions.get(id);
    if (session) this.armTimer(session);
    return session;
  }

  /** Destroying and expiring are the same invalidation: keys released or deleted, lock-delay armed. */
  destroySession(id: string): void {
    this.invalidateSessions([id]);
  }

  /**
   * The leader marks `node` failed (agent/consul/leader_registrator_v1.go, HandleFailedMember): its
   * `serfHealth` check turns critical, and the state store deletes every session bound to that
   * check at once (agent/consul/state/catalog.go, ensureCheckTxn: "Delete any sessions for this
   * check if the health is critical"), each through deleteSessionTxn: keys released or deleted by
   * behavior, lock-delay armed when above 0. Sessions created without checks are left to their TTL.
   * Returns the sessions it destroyed.
   */
  failNode(node: string): string[] {
    const doomed = this.allSessions().filter((s) => s.node === node && s.nodeChecks.includes('serfHealth'));
    this.invalidateSessions(doomed.map((s) => s.id));
    return doomed.map((s) => s.id);
  }

  /**
   * `node` leaves the catalog (a graceful `consul leave`, `force-leave -prune`, the reap of a failed
   * member, `PUT /v1/catalog/deregister`): deleteNodeTxn (agent/consul/state/catalog.go) deletes
   * every session of the node whatever its checks. Returns the sessions it destroyed.
   */
  deregisterNode(node: string): string[] {
    const doomed = this.allSessions().filter((s) => s.node === node);
    this.nodes.delete(node);
    this.invalidateSessions(doomed.map((s) => s.id));
    return doomed.map((s) => s.id);
  }

  /** One raft write that deletes these sessions (deleteSessionTxn for each). */
  private invalidateSessions(ids: readonly string[]): void {
    this.raftIndex += 1;
    const idx = this.raftIndex;
    let changed = false;
    for (const id of ids) {
      const session = this.sessions.get(id);
      if (!session) continue;
      changed = true;
      this.sessions.delete(id);
      this.sessionsIndex = idx;
      this.timers.get(id)?.();
      this.timers.delete(id);
      const keys = this.kv.invalidate(idx, id, session.behavior);
      // Consul caps the delay here, not at create (state/session.go, deleteSessionTxn: MaxLockDelay).
      const delayMs = Math.min(session.lockDelayMs, MAX_LOCK_DELAY_MS);
      if (delayMs > 0) {
        for (const key of keys) this.lockDelays.set(key, this.clock.now() + delayMs);
      }
    }
    if (changed) this.notify();
  }

  /** When the last lock-delay armed on `key` ended or ends (clock ms), running or not. */
  lastLockDelayEnd(key: string): number | undefined {
    return this.lockDelays.get(key);
  }

  /** When the lock-delay on `key` ends (clock ms), if one is running. */
  lockDelayEnd(key: string): number | undefined {
    const end = this.lockDelays.get(key);
    return end !== undefined && end > this.clock.now() ? end : undefined;
  }

  kvPut(key: string, value: Buffer, options: PutOptions): boolean {
    const flags = options.flags ?? 0;
    if (options.release !== undefined)
      return this.write(() => this.kv.unlock(this.raftIndex, key, value, flags, options.release ?? ''));
    if (options.acquire !== undefined) {
      // Consul checks lock-delay before the write reaches raft, so a refusal takes no index.
      if ((this.lockDelays.get(key) ?? 0) > this.clock.now()) return false;
      const session = options.acquire;
      return this.write(() => {
        if (!this.sessions.has(session))
          throw new SimulatorHttpError(500, `invalid session ${JSON.stringify(session)}`);
        return this.kv.lock(this.raftIndex, key, value, flags, session);
      });
    }
    if (options.cas !== undefined) {
      const cas = options.cas;
      return this.write(() => this.kv.checkAndSet(this.raftIndex, key, value, flags, cas));
    }
    return this.write(() => {
      this.kv.set(this.raftIndex, key, value, flags);
      return true;
    });
  }

  /**
   * A /v1/txn of KV operations, as Consul runs one: first the endpoint's pre-checks
   * (agent/consul/txn_endpoint.go preCheck → kvsPreApply: a `lock` on a key under lock-delay is
   * refused before raft, "failed to lock key … due to lock delay"), then every operation in order
   * in one state-store transaction at one raft index (agent/consul/state/txn.go txnKVS), rolled
   * back entirely when one fails. The verbs follow state/kvs.go: `check-index` (kvsCheckIndexTxn:
   * the ModifyIndex must match), `check-session` (kvsCheckSessionTxn: the key must be held by that
   * session), `unlock` (kvsUnlockTxn: only by the holding session), `lock` (kvsLockTxn: the named
   * session must exist, and it may be any session, not only the caller's; a key unlocked earlier
   * in the same transaction is free, so its LockIndex grows by one and its ModifyIndex becomes this
   * index). Results carry each written or checked entry; a write's value is blanked, as Consul does.
   */
  kvTxn(ops: readonly TxnKvOp[]): TxnOutcome {
    for (const [opIndex, op] of ops.entries()) {
      if (op.verb === 'lock' && (this.lockDelays.get(op.key) ?? 0) > this.clock.now())
        return { ok: false, opIndex, what: `failed to lock key "${op.key}" due to lock delay` };
    }
    this.raftIndex += 1;
    const idx = this.raftIndex;
    const before = this.kv.snapshot();
    const results: KvRecord[] = [];
    const fail = (opIndex: number, what: string): TxnOutcome => {
      this.kv.restore(before);
      return { ok: false, opIndex, what };
    };
    for (const [opIndex, op] of ops.entries()) {
      const existing = this.kv.get(op.key);
      switch (op.verb) {
        case 'get':
          if (existing === undefined) return fail(opIndex, `key "${op.key}" doesn't exist`);
          break;
        case 'check-index':
          if (existing === undefined)
            return fail(opIndex, `failed to check index, key "${op.key}" doesn't exist`);
          if (existing.modifyIndex !== op.index)
            return fail(
              opIndex,
              `failed index check for key "${op.key}", current modify index ${existing.modifyIndex} != ${op.index}`,
            );
          break;
        case 'check-session':
          if (existing === undefined)
            return fail(opIndex, `failed to check session, key "${op.key}" doesn't exist`);
          if ((existing.session ?? '') !== op.session)
            return fail(
              opIndex,
              `failed session check for key "${op.key}", current session "${existing.session ?? ''}" != "${op.session}"`,
            );
          break;
        case 'unlock':
          if (op.session === '') return fail(opIndex, 'missing session');
          if (!this.kv.unlock(idx, op.key, op.value, op.flags, op.session))
            return fail(
              opIndex,
              `failed to unlock key "${op.key}", lock isn't held, or is held by another session`,
            );
          break;
        case 'lock':
          if (op.session === '') return fail(opIndex, 'missing session');
          if (!this.sessions.has(op.session)) return fail(opIndex, `invalid session "${op.session}"`);
          if (!this.kv.lock(idx, op.key, op.value, op.flags, op.session))
            return fail(opIndex, `failed to lock key "${op.key}", lock is already held`);
          break;
      }
      const record = this.kv.get(op.key) as KvRecord;
      results.push(op.verb === 'get' ? record : { ...record, value: null });
    }
    this.notify();
    return { ok: true, results };
  }

  kvDelete(key: string, options: { recurse?: boolean; cas?: number }): boolean {
    return this.write(() => this.kv.delete(this.raftIndex, key, options));
  }

  /** The listener went down: no leader, no session timers (Consul re-arms them on a new leader). */
  pauseTimers(): void {
    this.timersRunning = false;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  /** A new leader arms every session's timer afresh, as Consul's leader does when it takes office. */
  resumeTimers(): void {
    this.timersRunning = true;
    for (const session of this.sessions.values()) this.armTimer(session);
  }

  /** A raft snapshot, for simulating a restore (which moves indexes backwards). */
  snapshot(): StateSnapshot {
    return {
      raftIndex: this.raftIndex,
      sessions: new Map(this.sessions),
      sessionsIndex: this.sessionsIndex,
      kv: this.kv.snapshot(),
    };
  }

  restore(snapshot: StateSnapshot): void {
    this.pauseTimers();
    this.raftIndex = snapshot.raftIndex;
    this.sessions = new Map(snapshot.sessions);
    this.sessionsIndex = snapshot.sessionsIndex;
    this.kv.restore(snapshot.kv);
    this.lockDelays.clear();
    this.resumeTimers();
    this.notify();
  }

  expiryDelayMs(session: SimSession): number {
    const expiry = this.options.sessionExpiry ?? 'twice-ttl';
    if (expiry === 'ttl') return session.ttlMs;
    if (expiry === 'random') return session.ttlMs * (1 + (this.options.random ?? Math.random)());
    return session.ttlMs * 2;
  }

  private write(apply: () => boolean): boolean {
    this.raftIndex += 1;
    try {
      return apply();
    } finally {
      this.notify();
    }
  }

  private armTimer(session: SimSession): void {
    this.timers.get(session.id)?.();
    this.timers.delete(session.id);
    if (session.ttlMs === 0 || !this.timersRunning) return;
    this.timers.set(
      session.id,
      this.clock.setTimer(() => this.destroySession(session.id), this.expiryDelayMs(session)),
    );
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
