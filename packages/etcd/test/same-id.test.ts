import { DuplicateMemberError, type MembershipSession } from '@election/core';
import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import type { Etcd3, Lease } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { createEtcdMembership, type EtcdMembershipBackend, encodeMember } from '../src/index.js';
import { leaseOfKey, leaseTtl } from './support/admin-client.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, type LogRecord, recordingLogger, uniquePrefix } from './support/session-helpers.js';

/**
 * The liveness decision of a join that finds its id held by another lease, on the adapter
 * directly: the holder is another client's lease, renewed or not.
 */
let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});

const epochNow = () => performance.timeOrigin + performance.now();

function setUp(name: string): { membership: EtcdMembershipBackend; memberKey: string } {
  const prefix = uniquePrefix(name);
  const membership = createEtcdMembership({ ...etcd.clientOptions, prefix });
  cleanups.push(() => membership.close());
  return { membership, memberKey: `${prefix}/default/members/a` };
}

/** Registers `a` as a crashed (or live) process would have: its member key on a lease of its own. */
async function holderLease(memberKey: string, ttlSeconds: number, renewed: boolean): Promise<string> {
  if (renewed) {
    // etcd3's Lease keeps itself alive (every TTL/3): a live holder in another process.
    const lease: Lease = admin.lease(ttlSeconds);
    cleanups.push(() => lease.revoke().catch(() => {}));
    await lease.put(memberKey).value(encodeMember({ id: 'a' }));
    return lease.grant();
  }
  const { ID } = await admin.leaseClient.leaseGrant({ TTL: ttlSeconds });
  await admin
    .put(memberKey)
    .value(encodeMember({ id: 'a' }))
    .lease(ID);
  return ID;
}

const waitingLines = (records: LogRecord[]) =>
  records.filter((record) =>
    /^waiting up to \d+ ms for the previous registration of a to expire$/.test(record.message),
  );
const aboveInfo = (records: LogRecord[]) =>
  records.filter((record) => record.level === 'warn' || record.level === 'error');

describe('a join that finds its id held by another lease', () => {
  it('waits out a lease nobody renews, then joins on a fresh lease', async () => {
    const { membership, memberKey } = setUp('not-renewed');
    const holder = await holderLease(memberKey, 2, false);
    const logger = recordingLogger();
    const startedAt = epochNow();
    const session = await joinAs(membership, { id: 'a' }, { logger });
    cleanups.push(() => session.leave());
    const tookMs = Math.round(epochNow() - startedAt);
    console.log(`a lease nobody renews (TTL 2 s) was waited out; the join took ${tookMs} ms`);
    // It expired (under 2 s left), etcd revoked it (on a 500 ms tick), seen on a 500 ms poll.
    expect(tookMs).toBeLessThan(2000 + 2000);
    expect(await leaseTtl(admin, holder)).toBe(-1);
    const lease = await leaseOfKey(admin, memberKey);
    expect(lease).toBeDefined();
    expect(lease).not.toBe(holder);
    // The session's lease was granted after the wait: a full TTL ahead, not one spent waiting.
    expect(session.deadline() - epochNow()).toBeGreaterThan(1000);
    expect(waitingLines(logger.records)).toHaveLength(1);
    expect(aboveInfo(logger.records)).toEqual([]);
  });

  it('refuses a lease that another client keeps renewing, which keeps the id', async () => {
    const { membership, memberKey } = setUp('renewed');
    const holder = await holderLease(memberKey, 2, true);
    const logger = recordingLogger();
    const startedAt = epochNow();
    const error = await joinAs(membership, { id: 'a' }, { logger }).catch((caught: unknown) => caught);
    const tookMs = Math.round(epochNow() - startedAt);
    console.log(`a lease renewed by another client was found live in ${tookMs} ms`);
    expect(error).toBeInstanceOf(DuplicateMemberError);
    expect((error as Error).message).toMatch(
      /^\[@election\/etcd\] Member id "a" is already registered .* was renewed while this node waited/,
    );
    expect((error as Error).message).toMatch(/takeover: true/);
    // Within the remaining TTL, the second of truncation and etcd's revoke lag.
    expect(tookMs).toBeLessThan(2000 + 1000 + 1500);
    expect(await leaseOfKey(admin, memberKey)).toBe(holder);
    expect(waitingLines(logger.records)).toHaveLength(1);
    expect(aboveInfo(logger.records)).toEqual([]);
  });

  it('with takeover, revokes even a renewed holder and joins at once', async () => {
    const { membership, memberKey } = setUp('takeover');
    const holder = await holderLease(memberKey, 10, true);
    const logger = recordingLogger();
    const startedAt = epochNow();
    const session = await joinAs(membership, { id: 'a' }, { logger, takeover: true });
    cleanups.push(() => session.leave());
    const tookMs = Math.round(epochNow() - startedAt);
    console.log(`takeover of a live 10 s lease: the join took ${tookMs} ms`);
    expect(tookMs).toBeLessThan(500);
    expect(await leaseTtl(admin, holder)).toBe(-1);
    expect(await leaseOfKey(admin, memberKey)).not.toBe(holder);
    expect(logger.records.filter((record) => /^takeover: revoking/.test(record.message))).toHaveLength(1);
    expect(waitingLines(logger.records)).toEqual([]);
  });

  it('gives up the wait at once when its signal aborts (stop() during start)', async () => {
    const { membership, memberKey } = setUp('abort');
    const holder = await holderLease(memberKey, 10, false);
    cleanups.push(() => admin.leaseClient.leaseRevoke({ ID: holder }).catch(() => {}));
    const logger = recordingLogger();
    const controller = new AbortController();
    const joining = joinAs(membership, { id: 'a' }, { logger, signal: controller.signal });
    const outcome = joining.then(
      (session: MembershipSession) => session,
      (error: unknown) => error,
    );
    await waitFor(() => waitingLines(logger.records).length === 1, {
      timeoutMs: 2000,
      message: 'the wait to start',
    });
    const abortedAt = epochNow();
    controller.abort(new Error('stopped'));
    expect(await outcome).toMatchObject({ message: 'stopped' });
    expect(epochNow() - abortedAt).toBeLessThan(100);
    expect(await leaseOfKey(admin, memberKey)).toBe(holder);
  });

  it('a join still waiting when close() is called hands back no session and leaves no registration', async () => {
    const prefix = uniquePrefix('close-during-join');
    const memberKey = `${prefix}/default/members/a`;
    // A caller-provided client: it still works after close(), which must not let the join register.
    const membership = createEtcdMembership({ client: admin, prefix });
    const holder = await holderLease(memberKey, 2, false);
    const logger = recordingLogger();
    const outcome = joinAs(membership, { id: 'a' }, { logger }).then(
      (session: MembershipSession) => session,
      (error: unknown) => error,
    );
    await waitFor(() => waitingLines(logger.records).length === 1, {
      timeoutMs: 2000,
      message: 'the wait to start',
    });
    await membership.close();
    const result = await outcome;
    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toMatch(/closed/);
    // close() cut the wait short: the key is still the holder's; nothing of the closed backend holds it.
    expect(await leaseOfKey(admin, memberKey)).toBe(holder);
  });
});
