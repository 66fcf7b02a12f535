import { LifecycleError } from '@election/core';
import type { EtcdServer } from '@election/tools';
import type { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { leaseOfKey } from './support/admin-client.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, uniquePrefix } from './support/session-helpers.js';

/**
 * review23: the etcd join goes on after BackendLifecycle.join has resolved (session.start(), the
 * background revocation of abandoned leases). A close() that comes in that gap (one microtask
 * turn: another part of the app stopping) is not seen as "close() overtook the join": the
 * revocation finds the client closed and throws out of join() a LifecycleError that is not "closed
 * while joining", and the lease the join registered is left to expire by TTL instead of being
 * revoked, its member key still there meanwhile.
 */
let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});

describe('review23: close() right after the lifecycle adopted the etcd session', () => {
  it('the join fails as "closed while joining" and its member key is gone', async () => {
    const prefix = uniquePrefix('close-after-adopt');
    const membership = createEtcdMembership({ ...etcd.clientOptions, prefix });
    cleanups.push(() => membership.close());
    const lifecycle = (membership as unknown as { lifecycle: { join(steps: unknown): Promise<unknown> } })
      .lifecycle;
    const join = lifecycle.join.bind(lifecycle);
    lifecycle.join = async (steps) => {
      const session = await join(steps);
      void membership.close(); // close() comes before the adapter's join has returned
      return session;
    };
    const outcome = await joinAs(membership, { id: 'a' }).then(
      () => 'joined',
      (error: unknown) => error,
    );
    const message = outcome instanceof LifecycleError ? outcome.message : String(outcome);
    expect.soft(message).toMatch(/closed while joining/);
    expect.soft(await leaseOfKey(admin, `${prefix}/default/members/a`)).toBeUndefined();
  });
});
