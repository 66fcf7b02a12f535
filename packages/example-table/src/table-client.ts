import type { LockHolder, Member } from '@election/core/adapter';

/**
 * What this adapter needs of its backend: the statements it runs, each one round trip. A real
 * database adapter implements them in SQL (a registration row whose `expires_at` the server
 * computes, a leader row taken under a row lock, tokens from a sequence); here the tests pass an
 * in-process table (`test/table.ts`). Every expiry is decided by the table's clock, never by
 * this adapter's.
 */
export interface TableClient {
  /**
   * Inserts `member`'s row unless its id has a live one, expiring `ttlMs` after now by the
   * table's clock. The new registration's number, or the one that holds the id.
   */
  register(member: Member, ttlMs: number): Promise<{ registration: number } | { heldBy: number }>;
  /** Moves a live registration's expiry to now + `ttlMs`; false once it expired (never revived). */
  renew(registration: number, ttlMs: number): Promise<boolean>;
  /** Deletes the registration's row and the leader row it holds, if any. */
  deregister(registration: number): Promise<void>;
  /** Rewrites the member record of a live registration; false once it is gone. */
  update(registration: number, member: Member): Promise<boolean>;
  /** How often a live registration was renewed; undefined once it is gone. */
  renewals(registration: number): Promise<number | undefined>;
  /** Every live row and the leader, as of `version` (a counter every change moves up). */
  read(): Promise<TableState>;
  /**
   * Takes the leader row for a live registration. Its token is the table's version after the
   * write. Already this registration's: its token again. Held by another: that holding's token.
   */
  acquire(registration: number): Promise<{ token: bigint } | { heldBy: bigint }>;
  /** Deletes the leader row only if `registration` holds it with `token`. */
  release(registration: number, token: bigint): Promise<void>;
}

export interface TableState {
  readonly members: readonly Member[];
  /** The registration each member's row belongs to, by member id. */
  readonly registrations: ReadonlyMap<string, number>;
  /** The leader row: who holds it, with which registration and token. */
  readonly leader: (NonNullable<LockHolder> & { readonly registration: number }) | null;
  readonly version: bigint;
}
