import { BackendLifecycle } from '@election/core/adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresMembership, type PostgresMembershipBackend } from '../src/index.js';
import { freshSchema, joinAs, usePostgres } from './postgres.js';

/**
 * A close() that comes after the session is made, before the join has returned (found by review23:
 * postgres called session.start() after BackendLifecycle.join resolved, so the join resolved with a
 * session close() had closed, its row left to expire by TTL). The set-up now ends in `open`, and
 * BackendLifecycle.join meets a close() after it as one overtaking the join.
 */
const postgres = usePostgres();
const backends: PostgresMembershipBackend[] = [];
const lifecycleJoin = BackendLifecycle.prototype.join;
afterEach(async () => {
  BackendLifecycle.prototype.join = lifecycleJoin;
  for (const backend of backends.splice(0)) await backend.close();
});

describe('close() right after the postgres session is made, before join() returns', () => {
  it('the join fails as "closed while joining" and leaves no row', async () => {
    const schema = freshSchema();
    const membership = createPostgresMembership({ connectionString: postgres.server().url, schema });
    backends.push(membership);
    type Steps = { open: (...args: unknown[]) => unknown };
    // close() comes right after the session is made (another part of the app stopping).
    BackendLifecycle.prototype.join = function (this: BackendLifecycle<never>, steps: Steps) {
      return lifecycleJoin.call(this, {
        ...steps,
        open: (...args: unknown[]) => {
          const session = steps.open(...args);
          void membership.close();
          return session;
        },
      } as never);
    } as unknown as typeof lifecycleJoin;
    const outcome = await joinAs(membership, 'node-1').then(
      () => 'joined',
      (error: Error) => error.message,
    );
    BackendLifecycle.prototype.join = lifecycleJoin;
    const { rows } = await postgres.admin().query(`select id from "${schema}".election_members`);
    expect(outcome).toMatch(/closed while joining/);
    expect(rows).toEqual([]);
  }, 30_000);
});
