import type { LockHolder } from '@election/core/adapter';
import type pg from 'pg';
import { lockTimeoutMs } from './sql.js';

/** The leader row as read: who holds it, with which registration and token (null when free). */
export type Holder = (NonNullable<LockHolder> & { readonly registration: string }) | null;

/** One read of an election: its live rows and leader, as of `version` (the sequence's scale). */
export interface ElectionState {
  /** Member records, as stored (jsonb): decoded by the session. */
  readonly rows: readonly unknown[];
  readonly leader: Holder;
  readonly version: bigint;
  /** Time until the first live row expires by the server's clock, ms; undefined with no row. */
  readonly nextExpiryMs: number | undefined;
}

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * The adapter's statements, each one round trip: a call of one of the schema's functions (sql.ts).
 * `timeoutMs` is also each query's `query_timeout`: the pool then drops a connection whose answer
 * did not come, so the next statement (a renewal's retry) runs on another one.
 */
export class Statements {
  readonly #pool: Queryable;
  readonly #schema: string;
  readonly #election: string;
  readonly #timeoutMs: number;
  /** Each function's bound on its lock waits (its last argument, `lock_ms`). */
  readonly #lockMs: number;

  constructor(pool: Queryable, schema: string, election: string, timeoutMs: number) {
    this.#pool = pool;
    this.#schema = `"${schema}"`;
    this.#election = election;
    this.#timeoutMs = timeoutMs;
    this.#lockMs = lockTimeoutMs(timeoutMs);
  }

  /** `fn` of this election (its first argument). */
  #call<R>(fn: string, ...values: unknown[]): Promise<R> {
    return this.#callOn(fn, this.#election, ...values);
  }

  /** `fn` of this election that answers a version, or null when it did nothing. */
  async #version(fn: string, ...values: unknown[]): Promise<bigint | null> {
    const row = await this.#call<{ v: string | null }>(fn, ...values);
    return row.v === null ? null : BigInt(row.v);
  }

  /** `fn` with `values` and the bound on its lock waits. */
  #callOn<R>(fn: string, ...values: unknown[]): Promise<R> {
    return this.#query(`${this.#schema}.${fn}`, [...values, this.#lockMs]);
  }

  async #query<R>(fn: string, values: unknown[]): Promise<R> {
    const args = values.map((_, i) => `$${i + 1}`).join(', ');
    const text = `select * from ${fn}(${args}) as v`;
    const query = { text, values, query_timeout: this.#timeoutMs }; // pg takes it; its types do not say
    return (await this.#pool.query(query)).rows[0] as R;
  }

  /** NOTIFYs `channel` with `payload` (the listener's probe). */
  async notify(channel: string, payload: string): Promise<void> {
    await this.#query('pg_notify', [channel, payload]);
  }

  /** The version of the schema's functions (sql.ts SCHEMA_VERSION); fails when they are missing. */
  async schemaVersion(): Promise<number> {
    return (await this.#query<{ v: number }>(`${this.#schema}.election_schema_version`, [])).v;
  }

  /** Inserts the member's row unless its id has a live one (expired ones are reaped first). */
  async register(
    id: string,
    member: string,
    ttlMs: number,
  ): Promise<{ registration: string } | { heldBy: string }> {
    const row = await this.#call<{ registration: string | null; held_by: string }>(
      'election_register',
      id,
      member,
      ttlMs,
    );
    return row.registration === null ? { heldBy: row.held_by } : { registration: row.registration };
  }

  /** Moves a live registration's expiry to now + ttl by the server's clock; false once it expired. */
  async renew(registration: string, ttlMs: number): Promise<boolean> {
    return (await this.#callOn<{ v: boolean | null }>('election_renew', registration, ttlMs)).v === true;
  }

  /** How often a live registration was renewed; undefined once it is gone. */
  async renewals(registration: string): Promise<string | undefined> {
    return (await this.#callOn<{ v: string | null }>('election_renewals', registration)).v ?? undefined;
  }

  /**
   * Deletes the registration's row and the leader row it holds. `withinMs`: the caller's bound when
   * it is shorter than the statements' (a leave's leaveTimeoutMs); the lock wait then follows it, so
   * the server gives up before the caller does.
   */
  async deregister(registration: string, withinMs = this.#timeoutMs): Promise<void> {
    const lockMs = lockTimeoutMs(Math.min(withinMs, this.#timeoutMs));
    await this.#query(`${this.#schema}.election_deregister`, [this.#election, registration, lockMs]);
  }

  /** Rewrites a live registration's member record; false once it is gone. */
  async update(registration: string, member: string): Promise<boolean> {
    return (await this.#call<{ v: boolean }>('election_update', registration, member)).v;
  }

  /** Takes the leader row for a live registration: its token, that of the holding that blocks, or gone. */
  async acquire(registration: string): Promise<{ token: bigint } | { heldBy: bigint } | { gone: true }> {
    const row = await this.#call<{ token: string | null; held_by: string | null; gone: boolean }>(
      'election_acquire',
      registration,
    );
    if (row.gone) return { gone: true };
    return row.token !== null ? { token: BigInt(row.token) } : { heldBy: BigInt(row.held_by as string) };
  }

  /** Frees the leader row if `registration` holds it with `token`: the version of the release, or null. */
  async release(registration: string, token: bigint): Promise<bigint | null> {
    return this.#version('election_release', registration, String(token));
  }

  /** Hands the holding `token` to member `to`'s live registration: the new token, or null. */
  async transfer(registration: string, token: bigint, to: string): Promise<bigint | null> {
    return this.#version('election_transfer', registration, String(token), to);
  }

  async read(): Promise<ElectionState> {
    const row = await this.#call<{
      version: string;
      members: unknown[];
      leader_id: string | null;
      leader: string | null;
      token: string | null;
      handed: boolean;
      next_expiry_ms: number | null;
    }>('election_read');
    const leader: Holder =
      row.leader_id === null
        ? null
        : {
            id: row.leader_id,
            registration: row.leader as string,
            token: BigInt(row.token as string),
            ...(row.handed ? { handed: true } : {}),
          };
    return {
      rows: row.members,
      leader,
      version: BigInt(row.version),
      nextExpiryMs: row.next_expiry_ms ?? undefined,
    };
  }
}
