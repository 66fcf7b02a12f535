import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresMembership } from '../src/index.js';
import { freshSchema, joinAs, usePostgres } from './postgres.js';

/**
 * review23: pg23 bounds each function's lock waits by lock_timeout = 3/4 of requestTimeoutMs "so
 * the server gives up first … (A statement the client gave up on would wait on alone.)" (sql.ts).
 * A leave's deregistration is bounded by leaveTimeoutMs on the client (default 1000 ms) but
 * carries the same lock_ms (1500 ms with the default requestTimeoutMs 2000): leave() settles,
 * saying the registration expires by TTL, while its statement still waits on the server, and may
 * still commit after.
 */
const postgres = usePostgres();
let other: pg.Client;
beforeAll(async () => {
  other = new pg.Client(postgres.server().clientOptions);
  await other.connect();
});
afterAll(async () => {
  await other?.end();
});

const waitingOnLocks = async () =>
  (
    await postgres
      .admin()
      .query('select count(*)::int as n from pg_locks where not granted and pid <> pg_backend_pid()')
  ).rows[0].n as number;

describe('review23: a leave blocked on a row lock', () => {
  it('when leave() settles, no statement of it still waits on the server', async () => {
    const schema = freshSchema();
    const election = 'leave-bound';
    const backend = createPostgresMembership({
      connectionString: postgres.server().url,
      schema,
      election,
      listen: false,
    });
    try {
      const session = await joinAs(backend, 'a', { ttlMs: 60_000 });
      await other.query('begin');
      await other.query(`select * from "${schema}".election_state where name = $1 for update`, [election]);
      const started = performance.now();
      await session.leave().catch(() => undefined);
      const tookMs = performance.now() - started;
      const stillWaiting = await waitingOnLocks();
      await other.query('rollback');
      expect(tookMs).toBeLessThan(1_500);
      expect(stillWaiting, 'statements still waiting on a lock when leave() settled').toBe(0);
    } finally {
      await other.query('rollback').catch(() => undefined);
      await backend.close();
    }
  }, 20_000);
});
