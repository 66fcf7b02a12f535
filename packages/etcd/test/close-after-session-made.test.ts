import { LifecycleError } from '@election/core';
import type { EtcdServer } from '@election/tools';
import type { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { leaseOfKey } from './support/admin-client.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, uniquePrefix } from './support/session-helpers.js';

/**
 * A close() that comes after the session is made, before the join has returned (found by review23:
 * etcd went on after BackendLifecycle.join with session.start() and a background revocation, so
 * such a close() threw "was closed; create a new one" out of join() and left the member key until
 * the TTL). The session's set-up now ends in `open`, and BackendLifecycle.join meets a close()
 * after it as one overtaking the join: the join fails "closed while joining", the lease is revoked.
 */
let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});

describe('close() right after the etcd session is made, before join() returns', () => {
  it('the join fails as "closed while joining" and its member key is gone', async () => {
    const prefix = uniquePrefix('close-after-adopt');
    const membership = createEtcdMembership({ ...etcd.clientOptions, prefix });
    cleanups.push(() => membership.close());
    type Steps = { open: (...args: unknown[]) => unknown };
    const lifecycle = (membership as unknown as { lifecycle: { join(steps: Steps): Promise<unknown> } })
      .lifecycle;
    const join = lifecycle.join.bind(lifecycle);
    // close() comes right after the session is made (another part of the app stopping).
    lifecycle.join = (steps) =>
      join({
        ...steps,
        open: (...args) => {
          const session = steps.open(...args);
          void membership.close();
          return session;
        },
      });
    const outcome = await joinAs(membership, { id: 'a' }).then(
      () => 'joined',
      (error: unknown) => error,
    );
    const message = outcome instanceof LifecycleError ? outcome.message : String(outcome);
    expect(message).toMatch(/closed while joining/);
    expect(await leaseOfKey(admin, `${prefix}/default/members/a`)).toBeUndefined();
  });
});
