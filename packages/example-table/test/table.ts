import type { Clock, Member } from '@election/core/adapter';
import type { TableClient, TableState } from '../src/index.js';

interface Row {
  readonly registration: number;
  member: Member;
  expiresAt: number;
  renewals: number;
}

/**
 * The database of the example: rows in this process, on the clock the tests pass (the "database
 * host's" clock: it alone decides expiry). Each statement reaps expired rows first, so no job
 * runs beside it. `connect(node)` hands one node a client the tests can cut off or slow down.
 */
export class Table {
  readonly #clock: Clock;
  readonly #rows = new Map<string, Row>();
  #leader: TableState['leader'] = null;
  #version = 0n;
  #registrations = 0;
  readonly #paused = new Set<string>();
  readonly #latency = new Map<string, number>();
  /** Answers on their way back (delayed by `delay`): dropped by `close()`. */
  readonly #inFlight = new Set<() => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** A client for `node`: its statements fail while `pause(node)` holds, and answer `delay` late. */
  connect(node: string): TableClient & { close(): void; readonly closed: boolean } {
    let closed = false;
    const run = async <T>(statement: () => T): Promise<T> => {
      if (closed) throw new Error('the table client is closed');
      if (this.#paused.has(node)) throw new Error(`node ${node} cannot reach the table`);
      const answer = statement();
      const ms = this.#latency.get(node) ?? 0;
      if (ms > 0) await this.#late(ms);
      return answer;
    };
    return {
      register: (member, ttlMs) => run(() => this.#register(member, ttlMs)),
      renew: (registration, ttlMs) => run(() => this.#renew(registration, ttlMs)),
      deregister: (registration) => run(() => this.#deregister(registration)),
      update: (registration, member) => run(() => this.#update(registration, member)),
      renewals: (registration) => run(() => this.#rowOf(registration)?.renewals),
      read: () => run(() => this.#read()),
      acquire: (registration) => run(() => this.#acquire(registration)),
      release: (registration, token) => run(() => this.#release(registration, token)),
      close: () => {
        closed = true;
      },
      get closed() {
        return closed;
      },
    };
  }

  /** The end of a test: answers still on their way are dropped (they reject), so no timer is left. */
  close(): void {
    for (const drop of [...this.#inFlight]) drop();
  }

  /** Resolves `ms` later on the clock, or rejects when the table closes first. */
  #late(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (error?: Error) => {
        this.#inFlight.delete(drop);
        cancel();
        if (error === undefined) resolve();
        else reject(error);
      };
      const drop = () => settle(new Error('the table closed'));
      const cancel = this.#clock.setTimer(() => settle(), ms);
      this.#inFlight.add(drop);
    });
  }

  pause(node: string): void {
    this.#paused.add(node);
  }

  resume(node: string): void {
    this.#paused.delete(node);
  }

  delay(node: string, ms: number): void {
    this.#latency.set(node, ms);
  }

  /** Ends `id`'s registration behind its session's back, as an expiry would. */
  expire(id: string): void {
    const row = this.#rows.get(id);
    if (row !== undefined) this.#drop(row);
  }

  #register(member: Member, ttlMs: number): { registration: number } | { heldBy: number } {
    this.#reap();
    const held = this.#rows.get(member.id);
    if (held !== undefined) return { heldBy: held.registration };
    const registration = ++this.#registrations;
    this.#rows.set(member.id, { registration, member, expiresAt: this.#clock.now() + ttlMs, renewals: 0 });
    this.#version++;
    return { registration };
  }

  #renew(registration: number, ttlMs: number): boolean {
    this.#reap();
    const row = this.#rowOf(registration);
    if (row === undefined) return false;
    row.expiresAt = this.#clock.now() + ttlMs;
    row.renewals++;
    return true;
  }

  #deregister(registration: number): void {
    const row = this.#rowOf(registration);
    if (row !== undefined) this.#drop(row);
  }

  #update(registration: number, member: Member): boolean {
    this.#reap();
    const row = this.#rowOf(registration);
    if (row === undefined) return false;
    row.member = member;
    this.#version++;
    return true;
  }

  #read(): TableState {
    this.#reap();
    const rows = [...this.#rows.values()];
    const registrations = new Map(rows.map((row) => [row.member.id, row.registration]));
    return {
      members: rows.map((row) => row.member),
      registrations,
      leader: this.#leader,
      version: this.#version,
    };
  }

  #acquire(registration: number): { token: bigint } | { heldBy: bigint } {
    this.#reap();
    const row = this.#rowOf(registration);
    if (row === undefined) throw new Error(`registration ${registration} has expired`);
    if (this.#leader !== null) {
      return this.#leader.registration === registration
        ? { token: this.#leader.token }
        : { heldBy: this.#leader.token };
    }
    const token = ++this.#version;
    this.#leader = { id: row.member.id, registration, token };
    return { token };
  }

  #release(registration: number, token: bigint): void {
    if (this.#leader?.registration !== registration || this.#leader.token !== token) return;
    this.#leader = null;
    this.#version++;
  }

  #rowOf(registration: number): Row | undefined {
    for (const row of this.#rows.values()) if (row.registration === registration) return row;
    return undefined;
  }

  #reap(): void {
    const now = this.#clock.now();
    for (const row of [...this.#rows.values()]) if (row.expiresAt <= now) this.#drop(row);
  }

  /** Deletes a row and the leader row it holds, in one version. */
  #drop(row: Row): void {
    this.#rows.delete(row.member.id);
    if (this.#leader?.registration === row.registration) this.#leader = null;
    this.#version++;
  }
}
