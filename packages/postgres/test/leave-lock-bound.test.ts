import { describe, expect, it } from 'vitest';
import { createPostgresMembership } from '../src/index.js';
import { freshSchema, joinAs, useClient, usePostgres } from './postgres.js';

/**
 * Each function bounds its lock waits by lock_timeout, below the client's bound on the statement,
 * "so the server gives up first" (sql.ts). A leave's client bound is leaveTimeoutMs (default
 * 1000 ms), so its deregistration's lock wait follows leaveTimeoutMs, not requestTimeoutMs: when
 * leave() settles, nothing of it still waits on the server (and may commit after). Regression
 * (review23 F7): with requestTimeoutMs's lock bound (1500 ms) the statement outlived leave().
 */
const postgres = usePostgres();
const other = useClient(postgres);

const waitingOnLocks = async () =>
  (
    await postgres
      .admin()
      .query('select count(*)::int as n from pg_locks where not granted and pid <> pg_backend_pid()')
  ).rows[0].n as number;

describe('a leave blocked on a row lock', () => {
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
      await other().query('begin');
      await other().query(`select * from "${schema}".election_state where name = $1 for update`, [election]);
      const started = performance.now();
      await session.leave().catch(() => undefined);
      const tookMs = performance.now() - started;
      const stillWaiting = await waitingOnLocks();
      await other().query('rollback');
      expect(tookMs).toBeLessThan(1_500);
      expect(stillWaiting, 'statements still waiting on a lock when leave() settled').toBe(0);
    } finally {
      await other()
        .query('rollback')
        .catch(() => undefined);
      await backend.close();
    }
  }, 20_000);
});
