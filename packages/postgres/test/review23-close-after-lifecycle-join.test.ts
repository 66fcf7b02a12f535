import { BackendLifecycle } from '@election/core/adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresMembership, type PostgresMembershipBackend } from '../src/index.js';
import { freshSchema, joinAs, usePostgres } from './postgres.js';

/**
 * review23 (F3): the postgres join calls session.start() after BackendLifecycle.join resolved. A
 * close() in that gap closes the adopted session, and the join then resolves with that closed
 * session instead of failing as "closed while joining"; its row is left to expire by TTL.
 */
const postgres = usePostgres();
const backends: PostgresMembershipBackend[] = [];
const lifecycleJoin = BackendLifecycle.prototype.join;
afterEach(async () => {
  BackendLifecycle.prototype.join = lifecycleJoin;
  for (const backend of backends.splice(0)) await backend.close();
});

describe('review23: close() right after the lifecycle adopted the postgres session', () => {
  it('the join fails as "closed while joining" and leaves no row', async () => {
    const schema = freshSchema();
    const membership = createPostgresMembership({ connectionString: postgres.server().url, schema });
    backends.push(membership);
    BackendLifecycle.prototype.join = async function (this: BackendLifecycle<never>, steps) {
      const session = await lifecycleJoin.call(this, steps as never);
      void membership.close(); // close() comes before the adapter's join has returned
      return session as never;
    } as typeof lifecycleJoin;
    const outcome = await joinAs(membership, 'node-1').then(
      () => 'joined',
      (error: Error) => error.message,
    );
    BackendLifecycle.prototype.join = lifecycleJoin;
    const { rows } = await postgres.admin().query(`select id from "${schema}".election_members`);
    expect.soft(outcome).toMatch(/closed while joining/);
    expect.soft(rows).toEqual([]);
  }, 30_000);
});
