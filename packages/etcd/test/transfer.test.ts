import type { LockHolder, MembershipSession } from '@election/core';
import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import type { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { TestCluster } from './support/cluster.js';
import { useEtcd } from './support/etcd-suite.js';
import { joinAs, uniquePrefix } from './support/session-helpers.js';

let etcd: EtcdServer;
let admin: Etcd3;
const cleanups = useEtcd((server, client) => {
  etcd = server;
  admin = client;
});
let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.teardown();
  if (cluster) expect(cluster.monitor.violations).toEqual([]);
  cluster = undefined;
});

async function join(prefix: string, id: string): Promise<MembershipSession> {
  const membership = createEtcdMembership({ ...etcd.clientOptions, prefix });
  cleanups.push(() => membership.close());
  const session = await joinAs(membership, { id });
  cleanups.push(() => session.leave());
  return session;
}

async function record(key: string) {
  const response = await admin.kv.range({ key: Buffer.from(key) });
  return response.kvs[0];
}

/** The holder as `session`'s own watch reports it, once it shows `id`. */
async function holderSeenBy(session: MembershipSession, id: string | null): Promise<LockHolder> {
  let seen: LockHolder = null;
  const stop = session.lock!.watchHolder((holder) => {
    seen = holder;
  });
  try {
    await waitFor(() => (seen?.id ?? null) === id, { timeoutMs: 2000, message: `the holder ${id}` });
    return seen;
  } finally {
    stop();
  }
}

describe('direct transfer on etcd', () => {
  it('hands the leader key to the successor in one txn: bound to its lease, a greater token, marked handed to it only', async () => {
    const prefix = uniquePrefix('transfer');
    const leaderKey = `${prefix}/default/leader`;
    const a = await join(prefix, 'a');
    const b = await join(prefix, 'b');
    const c = await join(prefix, 'c');
    const token = (await a.lock!.tryAcquire())!;
    expect(token).not.toBeNull();
    const revisionBefore = BigInt((await admin.kv.range({ key: Buffer.from(leaderKey) })).header.revision);
    const handed = (await a.lock!.transfer!(token, 'b'))!;
    // One write: the transfer's revision is the next one.
    expect(handed).toBe(revisionBefore + 1n);
    const kv = (await record(leaderKey))!;
    expect(kv.value.toString()).toBe('b');
    expect(BigInt(kv.mod_revision)).toBe(handed);
    expect(kv.lease).toBe((await record(`${prefix}/default/members/b`))!.lease);
    expect(Number(kv.version)).toBeGreaterThan(1);
    // b's watch says it was handed to b; c's watch shows the holder without the mark.
    expect(await holderSeenBy(b, 'b')).toEqual({ id: 'b', token: handed, handed: true });
    expect(await holderSeenBy(c, 'b')).toEqual({ id: 'b', token: handed });
    // The old holding is gone: a second transfer or a release of the old token writes nothing.
    expect(await a.lock!.transfer!(token, 'c')).toBeNull();
    await a.lock!.release(token);
    expect((await record(leaderKey))!.value.toString()).toBe('b');
    // b asking for the lock gets the handed holding's token back; a late release by a cannot end it.
    expect(await b.lock!.tryAcquire()).toBe(handed);
  });

  it('a successor that died before the transfer gets nothing; one that dies after it takes the key with its lease', async () => {
    const prefix = uniquePrefix('transfer-dead');
    const leaderKey = `${prefix}/default/leader`;
    const a = await join(prefix, 'a');
    await join(prefix, 'b');
    await join(prefix, 'c');
    const token = (await a.lock!.tryAcquire())!;
    const bLease = (await record(`${prefix}/default/members/b`))!.lease;
    // b dies (its lease revoked behind the adapters' backs) before a's transfer lands.
    await admin.leaseClient.leaseRevoke({ ID: bLease });
    expect(await a.lock!.transfer!(token, 'b')).toBeNull();
    expect((await record(leaderKey))!.value.toString()).toBe('a');
    expect(BigInt((await record(leaderKey))!.mod_revision)).toBe(token);
    // Handed to c, then c dies: the key goes with c's lease, nobody is left holding it.
    const handed = await a.lock!.transfer!(token, 'c');
    expect(handed).not.toBeNull();
    const cLease = (await record(`${prefix}/default/members/c`))!.lease;
    await admin.leaseClient.leaseRevoke({ ID: cLease });
    expect(await record(leaderKey)).toBeUndefined();
    await holderSeenBy(a, null);
  });

  it('a graceful stop hands over in one write: the successor leads with a greater term on the handed record', async () => {
    cluster = new TestCluster(etcd, 'graceful-transfer');
    const a = await cluster.start('a');
    await cluster.start('b');
    await cluster.start('c');
    await cluster.leaderIs('a', 5000);
    // a hands over to the member its own view ranks next: wait until its view has them.
    await waitFor(() => a.state.members.length === 3, { timeoutMs: 2000, message: "a's view of b and c" });
    const before = a.state.term!;
    await a.stop({ resign: true });
    await cluster.leaderIs('b', 1000);
    const kv = (await record(`${cluster.prefix}/default/leader`))!;
    expect(Number(kv.version)).toBeGreaterThan(1); // handed, not released and re-acquired
    expect(cluster.monitor.leadershipOf('b')!.term).toBe(BigInt(kv.mod_revision));
    expect(cluster.monitor.leadershipOf('b')!.term!).toBeGreaterThan(before);
  });

  it('a better-ranked member joining is handed the lock directly', async () => {
    cluster = new TestCluster(etcd, 'handback-transfer');
    const b = await cluster.start('b');
    await cluster.start('c');
    await cluster.leaderIs('b', 5000);
    const before = b.state.term!;
    await cluster.start('a');
    await cluster.leaderIs('a', 3000);
    expect(cluster.monitor.lastLeadershipOf('b')?.demotedReason).toBe('handover');
    const kv = (await record(`${cluster.prefix}/default/leader`))!;
    expect(Number(kv.version)).toBeGreaterThan(1);
    expect(cluster.monitor.leadershipOf('a')!.term!).toBeGreaterThan(before);
  });

  it('switchover: setPriority on the leader rewrites its record in place and hands over directly; it stays a member', async () => {
    cluster = new TestCluster(etcd, 'switchover');
    const a = await cluster.start('a');
    const b = await cluster.start('b');
    await cluster.start('c');
    await cluster.leaderIs('a', 5000);
    const before = a.state.term!;
    const leaseBefore = (await record(`${cluster.prefix}/default/members/a`))!.lease;
    await a.setPriority(10);
    await cluster.leaderIs('b', 2000);
    expect(cluster.monitor.lastLeadershipOf('a')?.demotedReason).toBe('handover');
    const kv = (await record(`${cluster.prefix}/default/leader`))!;
    expect(Number(kv.version)).toBeGreaterThan(1); // handed over, not released and re-acquired
    expect(cluster.monitor.leadershipOf('b')!.term!).toBeGreaterThan(before);
    // The same registration, rewritten: same lease, the new priority, seen by every node.
    const member = (await record(`${cluster.prefix}/default/members/a`))!;
    expect(member.lease).toBe(leaseBefore);
    expect(JSON.parse(member.value.toString()).priority).toBe(10);
    await waitFor(() => b.state.members.find((m) => m.id === 'a')?.priority === 10, {
      timeoutMs: 2000,
      message: "b's view shows a's new priority",
    });
    expect(a.state.phase).toBe('follower');
    // Back: a outranks everyone again and is handed the lock back.
    await a.setPriority(-1);
    await cluster.leaderIs('a', 2000);
    expect(cluster.monitor.lastLeadershipOf('b')?.demotedReason).toBe('handover');
    await expect(a.setPriority(Number.NaN)).rejects.toThrow(/priority/);
  });
});
