import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_TIMEOUT_MS, migrationSql } from '../src/sql.js';
import { Statements } from '../src/statements.js';
import { freshSchema, until, usePostgres } from './postgres.js';

// fix17 (review17 F1, F2): the liveness of another registration is read with a row lock, so a
// renewal still in flight is waited for (transfer's successor here; acquire is
// review17-renew-race.test.ts), and each function bounds its own lock waits (lock_timeout), with
// no statement_timeout startup parameter. An open transaction on `other` stands for a commit that
// has not become visible yet (a WAL flush, a synchronous standby).
const postgres = usePostgres();
const schema = freshSchema();
let other: pg.Client;
beforeAll(async () => {
  await postgres.server().psql(migrationSql(schema));
  other = new pg.Client(postgres.server().clientOptions);
  await other.connect();
});
afterAll(async () => {
  await other?.end();
});

/** Resolves when some session waits on a lock (true), or false when `settled` comes first. */
async function waitsOnALock(pool: pg.Pool, settled: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    settled.then(() => false),
    until(async () => {
      const r = await pool.query(
        'select count(*)::int as n from pg_locks where not granted and pid <> pg_backend_pid()',
      );
      return r.rows[0].n > 0;
    }, 'a statement waits on a lock').then(() => true),
  ]);
}

async function registered(statements: Statements, id: string, ttlMs: number): Promise<string> {
  const made = await statements.register(id, JSON.stringify({ id }), ttlMs);
  if (!('registration' in made)) throw new Error(`register ${id} failed`);
  return made.registration;
}

describe('locking reads of another registration', () => {
  it("transfer waits for the successor's renewal in flight and hands the lock to it", async () => {
    const pool = postgres.admin();
    const statements = new Statements(pool, schema, 'transfer-race', 10_000);
    const a = await registered(statements, 'a', 600_000);
    const b = await registered(statements, 'b', 1000);
    const held = await statements.acquire(a);
    if (!('token' in held)) throw new Error('a did not take the lock');

    // b's renewal runs while b's row is live; its commit is delayed past the old expiry.
    await other.query('begin');
    const renewed = await other.query(`select "${schema}".election_renew($1, 600000) as v`, [b]);
    expect(renewed.rows[0].v).toBe(true);
    await until(async () => {
      const r = await pool.query(
        `select expires_at <= clock_timestamp() as past from "${schema}".election_members where registration = $1`,
        [b],
      );
      return r.rows[0]?.past === true;
    }, "b's committed expires_at passes");

    const handing = statements.transfer(a, held.token, 'b');
    const waited = await waitsOnALock(pool, handing);
    await other.query('commit');
    const token = await handing;
    // Before: transfer answered null at once (b judged expired on its committed row).
    expect({ waited, handed: token !== null, holder: (await statements.read()).leader?.id }).toEqual({
      waited: true,
      handed: true,
      holder: 'b',
    });
  });

  it('a function waiting on a row lock gives up after lock_timeout, not at the client timeout', async () => {
    const pool = postgres.admin();
    const statements = new Statements(pool, schema, 'lock-bound', 30_000);
    const a = await registered(statements, 'a', 600_000);
    await other.query('begin');
    await other.query(`select * from "${schema}".election_state where name = 'lock-bound' for update`);
    const started = performance.now();
    const error = await statements.acquire(a).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const tookMs = performance.now() - started;
    await other.query('rollback');
    expect((error as { code?: string } | undefined)?.code).toBe('55P03'); // lock_not_available
    expect(tookMs).toBeGreaterThanOrEqual(LOCK_TIMEOUT_MS - 50);
    expect(tookMs).toBeLessThan(LOCK_TIMEOUT_MS + 5000);
  });
});
