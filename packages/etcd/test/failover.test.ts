import { DuplicateMemberError, type Elector } from '@election/core';
import { assertStays, waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import type { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, TTL_MS } from './support/cluster.js';
import { useEtcd } from './support/etcd-suite.js';

let etcd: EtcdServer;
let admin: Etcd3;
let cluster: TestCluster | undefined;

useEtcd((server, client) => {
  etcd = server;
  admin = client;
});

afterEach(async () => {
  await cluster?.teardown();
  if (cluster) expect(cluster.monitor.violations).toEqual([]);
  cluster = undefined;
});

function newCluster(name: string): TestCluster {
  cluster = new TestCluster(etcd, name);
  return cluster;
}

const termOf = (elector: Elector) => elector.state.term;

/**
 * Resolves 100 ms after `leader`'s next acknowledged renewal. etcd revokes expired leases on a
 * 500 ms tick, so a crash an instant after a renewal fails over in up to TTL + 500 ms plus the
 * watch and lock round trips; crashing a little later keeps the assertion about the protocol
 * (lease expiry + one tick) rather than a race with etcd's ticker.
 */
export async function justAfterRenewal(leader: Elector): Promise<void> {
  const initial = leader.state.leaseDeadline;
  await waitFor(() => (leader.state.leaseDeadline ?? 0) > (initial ?? 0), {
    timeoutMs: TTL_MS,
    stepMs: 1,
    message: 'a renewal of the leader',
  });
  const renewedAt = performance.now();
  await waitFor(() => performance.now() - renewedAt >= 100, {
    timeoutMs: 500,
    stepMs: 1,
    message: '100 ms more',
  });
}

describe('failover on etcd (TTL 2 s)', () => {
  it('a crashed leader (lease left to expire) is replaced within TTL + 500 ms', async () => {
    const c = newCluster('crash');
    const a = await c.start('a');
    await c.start('b');
    await c.start('c');
    await c.leaderIs('a', 5000);
    const before = termOf(a)!;
    await justAfterRenewal(a);
    const crashedAt = performance.now();
    await a.stop({ resign: false });
    await c.leaderIs('b', TTL_MS + 500);
    const took = performance.now() - crashedAt;
    // The lease outlives the crash by at least TTL/3 minus one renewal: no instant takeover.
    expect(took).toBeGreaterThan(TTL_MS / 3);
    expect(took).toBeLessThanOrEqual(TTL_MS + 500);
    expect(c.monitor.leadershipOf('b')!.term!).toBeGreaterThan(before);
  });

  // A handover, not an expiry: the crash above takes more than TTL/3 by construction, so b
  // leading within TTL/3 of the stop can only come from the handover; and the direct transfer (one
  // txn), not release → watch → acquire: b's term is the revision at which a's txn rewrote the
  // leader key in place (version above 1; a key b created itself would be at version 1). How fast
  // (a few ms) is the failover bench's figure and guard (`pnpm bench --only failover`), not a timed
  // test's: three test files at once on 2 cores once held this process past 200 ms.
  it('a graceful stop hands the leader key to b in one txn, before any lease could expire (within TTL/3)', async () => {
    const c = newCluster('graceful');
    const a = await c.start('a');
    const b = await c.start('b');
    await c.leaderIs('a', 5000);
    // a hands over to a member its own view shows: wait for b's record to reach a's watch (b can
    // see a lead before a has seen b join; a stop then has no successor and releases instead).
    await waitFor(() => a.state.members.some((m) => m.id === 'b'), {
      timeoutMs: 5000,
      message: "b in a's view",
    });
    const before = termOf(a)!;
    const stoppedAt = performance.now();
    await a.stop({ resign: true });
    await c.leaderIs('b', TTL_MS / 3 - (performance.now() - stoppedAt));
    expect(performance.now() - stoppedAt).toBeLessThan(TTL_MS / 3);
    expect(c.monitor.leadershipOf('b')!.term!).toBeGreaterThan(before);
    const [record] = (await admin.kv.range({ key: Buffer.from(`${c.prefix}/default/leader`) })).kvs;
    expect(record?.value.toString()).toBe('b');
    expect(Number(record?.version)).toBeGreaterThan(1);
    expect(BigInt(record?.mod_revision ?? -1)).toBe(termOf(b));
  });

  it('a lower id joining takes over from the current leader', async () => {
    const c = newCluster('takeover');
    const b = await c.start('b');
    await c.start('c');
    await c.leaderIs('b', 5000);
    const before = termOf(b)!;
    await c.start('a');
    await c.leaderIs('a', 3000);
    expect(c.monitor.lastLeadershipOf('b')?.demotedReason).toBe('handover');
    expect(c.monitor.leadershipOf('a')!.term!).toBeGreaterThan(before);
  });

  it('rejects a duplicate id; the first holder keeps leading', async () => {
    const c = newCluster('duplicate');
    const first = await c.start('a');
    await c.leaderIs('a', 5000);
    const error = await c.start('a').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DuplicateMemberError);
    await assertStays(() => first.state.isLeader, {
      durationMs: TTL_MS,
      message: 'the first a keeps leading',
    });
  });

  it('ignores garbage keys under the prefix; the election goes on', async () => {
    const c = newCluster('garbage');
    const root = `${c.prefix}/default`;
    // Garbage that would sort first if it were read as a member.
    await admin.put(`${root}/members/0-garbage`).value('{not json');
    await admin.put(`${root}/members/0-liar`).value('{"id":"someone-else"}');
    await admin.put(`${root}/stray`).value('x');
    const b = await c.start('b');
    await c.start('c');
    await c.leaderIs('b', 5000);
    await admin.put(`${root}/members/00-more`).value('[]');
    await assertStays(() => b.state.isLeader && c.monitor.leaders().length === 1, {
      durationMs: 500,
      message: 'b keeps leading despite garbage',
    });
    expect(b.state.members.map((member) => member.id)).toEqual(['b', 'c']);
  });

  it('etcd SIGKILL and restart 1 s later on the same data dir: the same node leads again with the same term, nobody in between', async (context) => {
    if (!etcd.controllable) context.skip(etcd.notControllableReason);
    const c = newCluster('etcd-restart');
    const a = await c.start('a');
    await c.start('b');
    await c.start('c');
    await c.leaderIs('a', 5000);
    const termBefore = a.state.term;
    expect(termBefore).not.toBeNull();
    await etcd.kill('SIGKILL');
    const killedAt = performance.now();
    const deadline = a.state.leaseDeadline!; // clock ms (epoch): a leads until then unless renewed
    expect(deadline).not.toBeNull();
    await waitFor(() => performance.now() - killedAt >= 1000, { timeoutMs: 1500, stepMs: 5, message: '1 s' });
    const restarting = etcd.restart();
    // From the deadline on, no read may report leadership unless a renewal reached etcd meanwhile.
    await waitFor(() => performance.timeOrigin + performance.now() >= deadline, {
      timeoutMs: TTL_MS + 100,
      stepMs: 1,
      message: "a's lease deadline to pass",
    });
    const atDeadline = a.state;
    const renewedBeforeDeadline = (atDeadline.leaseDeadline ?? 0) > deadline;
    if (!renewedBeforeDeadline) expect(atDeadline.isLeader).toBe(false);
    await restarting;
    const returnedAt = performance.now();
    // a was demoted at its deadline if etcd took longer than that to come back; either way it must
    // lead again with its own term: its lease survived the restart, and the leader key with it.
    await waitFor(() => c.monitor.leaders().length === 1 && a.state.isLeader, {
      timeoutMs: 3000,
      stepMs: 5,
      message: 'a leading again after etcd returned',
      describe: () => c.describe(),
    });
    const backMs = performance.now() - returnedAt;
    expect(backMs).toBeLessThanOrEqual(3000);
    expect(a.state.term).toBe(termBefore);
    // Nobody else led at any point after the kill, and a led at most twice in all (before, after).
    const others = c.monitor.history.filter((entry) => entry.id !== 'a');
    expect(others).toEqual([]);
    const leaderships = c.monitor.history.filter((entry) => entry.id === 'a');
    expect(leaderships.every((entry) => entry.term === termBefore)).toBe(true);
    const demoted = leaderships[0]?.demotedReason;
    expect(demoted === undefined || demoted === 'deadline').toBe(true);
    // Not renewed by its deadline: demoted by its own timer, at the deadline (not when etcd returned).
    if (!renewedBeforeDeadline) {
      expect(demoted).toBe('deadline');
      expect(performance.timeOrigin + leaderships[0]!.demotedAt!).toBeLessThanOrEqual(deadline + 100);
    }
    const outage = demoted === undefined ? 'led throughout' : `demoted at its deadline and resumed`;
    console.log(
      `etcd restart: a ${outage}; leader back ${Math.round(backMs)} ms after etcd's return (${Math.round(performance.now() - killedAt)} ms after the kill), term ${termBefore} before and ${a.state.term} after`,
    );
    await assertStays(() => a.state.isLeader && c.monitor.leaders().length === 1, {
      durationMs: 1000,
      message: 'a keeps leading alone',
    });
  }, 30_000);
});
