import { LifecycleError } from '@election/core';
import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import { type Etcd3, KVClient } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { createEtcdMembership, encodeMember } from '../src/index.js';
import { leaseOfKey, leaseTtl } from './support/admin-client.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, recordingLogger, uniquePrefix } from './support/session-helpers.js';

/**
 * A join that close() overtakes fails and leaves nothing registered, with the backend's own client
 * (BackendLifecycle: close() aborts the join, and closes the client only once the join has given up
 * its lease). On a real etcd.
 */
let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});

const txn = KVClient.prototype.txn;
afterEach(() => {
  KVClient.prototype.txn = txn;
});

describe('close() overtakes an etcd join', () => {
  it('right after the member key is created: the join fails, its lease is revoked (the member key gone) before the client closes', async () => {
    const prefix = uniquePrefix('close-after-create');
    const membership = createEtcdMembership({ ...etcd.clientOptions, prefix });
    let closing: Promise<void> | undefined;
    // The join transaction answers, then close() comes before the join goes on.
    KVClient.prototype.txn = async function (this: KVClient, ...args: Parameters<typeof txn>) {
      const answer = await txn.apply(this, args);
      if (answer.succeeded && closing === undefined) closing = membership.close();
      return answer;
    };
    const outcome = await joinAs(membership, { id: 'a' }).catch((error: unknown) => error);
    KVClient.prototype.txn = txn;
    expect(closing).toBeDefined();
    await closing;
    expect(outcome).toBeInstanceOf(LifecycleError);
    expect((outcome as Error).message).toMatch(/closed while joining/);
    expect(await leaseOfKey(admin, `${prefix}/default/members/a`)).toBeUndefined();
  });

  it("while it waits out this id's previous lease: the join fails at once, and its own lease is revoked", async () => {
    const prefix = uniquePrefix('close-while-waiting');
    const memberKey = `${prefix}/default/members/a`;
    const membership = createEtcdMembership({ ...etcd.clientOptions, prefix });
    cleanups.push(() => membership.close());
    // A crashed process's registration: nobody renews it; it would be waited out for up to ~5 s.
    const { ID: holder } = await admin.leaseClient.leaseGrant({ TTL: 4 });
    await admin
      .put(memberKey)
      .value(encodeMember({ id: 'a' }))
      .lease(holder);
    const leasesBefore = (await admin.leaseClient.leaseLeases({})).leases.map((l) => String(l.ID));
    const logger = recordingLogger();
    const outcome = joinAs(membership, { id: 'a' }, { logger }).catch((error: unknown) => error);
    await waitFor(() => logger.records.some((r) => /previous registration of a to expire/.test(r.message)), {
      timeoutMs: 3_000,
      message: 'the wait to start',
    });
    const closedAt = performance.now();
    await membership.close();
    const error = await outcome;
    expect(performance.now() - closedAt).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toMatch(/closed while joining/);
    // The holder still holds the key; no lease of the overtaken join is left.
    expect(await leaseOfKey(admin, memberKey)).toBe(holder);
    const leasesAfter = (await admin.leaseClient.leaseLeases({})).leases.map((l) => String(l.ID));
    expect(leasesAfter.filter((id) => !leasesBefore.includes(id))).toEqual([]);
    expect(await leaseTtl(admin, holder)).toBeGreaterThan(0);
  });
});
