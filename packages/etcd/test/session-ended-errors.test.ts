import { LifecycleError, type MembershipSession } from '@election/core';
import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEtcdMembership, type EtcdMembershipBackend } from '../src/index.js';
import { leaseOfKey } from './support/admin-client.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, uniquePrefix } from './support/session-helpers.js';

/**
 * The etcd session once it stopped being active: the class and message of its errors (part of the
 * API), and a leave that opens no client (found by the review of the adapter skeleton, issue 16).
 */
let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});
afterEach(() => {
  vi.restoreAllMocks();
});

function backend(prefix: string): EtcdMembershipBackend {
  const created = createEtcdMembership({ ...etcd.clientOptions, prefix });
  cleanups.push(() => created.close());
  return created;
}

async function closedSession(name: string): Promise<MembershipSession> {
  const session = await joinAs(backend(uniquePrefix(name)), { id: 'a' });
  session.close();
  return session;
}

describe('etcd session: the errors of a closed or lost session, and a leave after the client went idle', () => {
  it('the lock of a closed session: LifecycleError with the old message', async () => {
    const session = await closedSession('ended-lock');
    const error = await session.lock!.tryAcquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toContain('This etcd session is closed; join again to take the lock.');
  });

  it('update() on a closed session: LifecycleError with the old message', async () => {
    const session = await closedSession('ended-update');
    const error = await session.update!({ id: 'a', priority: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toContain('This etcd session is closed; join again to take the lock.');
  });

  it('leave() of a session lost with its lease, once the client went idle, opens no new client', async () => {
    const prefix = uniquePrefix('ended-idle');
    const closes = vi.spyOn(Etcd3.prototype, 'close');
    const session = await joinAs(backend(prefix), { id: 'a' });
    const lost: Error[] = [];
    session.onLost((cause) => lost.push(cause));
    const leaseId = (await leaseOfKey(admin, `${prefix}/default/members/a`))!;
    const adminCloses = closes.mock.calls.length;
    await admin.leaseClient.leaseRevoke({ ID: leaseId });
    // Lost, and nothing uses the backend's client any more: it closes it.
    await waitFor(() => lost.length > 0 && closes.mock.calls.length > adminCloses, {
      timeoutMs: 2_000,
      message: 'onLost, and the idle client closed',
    });
    const before = closes.mock.calls.length;
    await session.leave();
    expect(closes.mock.calls.length).toBe(before);
  });
});
