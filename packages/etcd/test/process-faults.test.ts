import { waitFor } from '@election/testing';
import type { EtcdServer } from '@election/tools';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildNode } from './support/child-node.js';
import { TestCluster, TTL_MS } from './support/cluster.js';
import { useEtcd } from './support/etcd-suite.js';

/** Real node processes, killed and frozen by signal; the other nodes run in this process. */
let etcd: EtcdServer;
let cluster: TestCluster | undefined;
let child: ChildNode | undefined;

useEtcd((server) => {
  etcd = server;
});

afterEach(async () => {
  await child?.dispose();
  await cluster?.teardown();
  if (cluster) expect(cluster.monitor.violations).toEqual([]);
  child = undefined;
  cluster = undefined;
});

const epochNow = () => performance.timeOrigin + performance.now();

async function childLeaderWithFollowers(name: string): Promise<{ c: TestCluster; node: ChildNode }> {
  const c = new TestCluster(etcd, name);
  cluster = c;
  const node = new ChildNode({ endpoints: etcd.endpoints, prefix: c.prefix, id: 'a', ttlMs: TTL_MS });
  child = node;
  await node.waitFor('elected', 15_000);
  await c.start('b');
  await c.start('c');
  await waitFor(() => c.monitor.leaders().length === 0, { timeoutMs: 1000, message: 'b and c to follow' });
  return { c, node };
}

describe('node processes killed and frozen (TTL 2 s)', () => {
  it('a leader process killed with SIGKILL is replaced within TTL + 500 ms, with a higher term', async () => {
    const { c, node } = await childLeaderWithFollowers('sigkill');
    const childTerm = BigInt(node.last('elected')!.term!);
    // As in failover.test.ts: kill 100 ms after an acknowledged renewal, not in a race with etcd's
    // 500 ms lease-revocation tick. The child reports its deadline every 20 ms while leading.
    const firstDeadline = node.last('tick')?.leaseDeadline ?? 0;
    await waitFor(() => (node.last('tick')?.leaseDeadline ?? 0) > firstDeadline, {
      timeoutMs: TTL_MS,
      stepMs: 1,
      message: 'a renewal of the child leader',
    });
    const renewedAt = performance.now();
    await waitFor(() => performance.now() - renewedAt >= 100, {
      timeoutMs: 500,
      stepMs: 1,
      message: '100 ms more',
    });
    const killedAt = performance.now();
    node.signal('SIGKILL');
    await c.leaderIs('b', TTL_MS + 500);
    expect(performance.now() - killedAt).toBeLessThanOrEqual(TTL_MS + 500);
    expect(c.monitor.leadershipOf('b')!.term!).toBeGreaterThan(childTerm);
  }, 30_000);

  it('a leader frozen with SIGSTOP past its TTL reads isLeader: false first thing after SIGCONT', async () => {
    const { c, node } = await childLeaderWithFollowers('sigstop');
    const elected = node.last('elected')!;
    node.signal('SIGSTOP');
    const frozenAt = epochNow();
    // etcd expires the frozen node's lease; b takes over while a is still frozen.
    await c.leaderIs('b', TTL_MS + 1000);
    const bElectedAt = performance.timeOrigin + c.monitor.leadershipOf('b')!.electedAt;
    await waitFor(() => epochNow() - frozenAt > TTL_MS, { timeoutMs: TTL_MS, message: 'the TTL to pass' });
    node.signal('SIGCONT');
    const resumed = await node.waitFor('resumed', 5000);
    expect(resumed.isLeader).toBe(false);
    // Across processes (both clocks read epoch-aligned monotonic time): a's last deadline reported
    // before it froze ended before b was elected. No instant with two leaders.
    const lastKnownDeadline = Math.max(
      elected.leaseDeadline ?? 0,
      ...node.records.filter((r) => r.type === 'tick' && r.at < frozenAt).map((r) => r.leaseDeadline ?? 0),
    );
    expect(lastKnownDeadline).toBeGreaterThan(frozenAt);
    expect(lastKnownDeadline).toBeLessThan(bElectedAt);
    expect(resumed.at - frozenAt).toBeGreaterThan(TTL_MS);
    // b led from its election until a, back and better ranked, took over by a handover: never did
    // b's leadership end while a was frozen. (a may rejoin within milliseconds of SIGCONT, so
    // whether b still leads at this line is a race; how its leadership ended is not.)
    const bLeadership = c.monitor.lastLeadershipOf('b');
    expect(bLeadership).toBeDefined();
    if (bLeadership?.demotedAt !== undefined) {
      expect(bLeadership.demotedReason).toBe('handover');
      expect(performance.timeOrigin + bLeadership.demotedAt).toBeGreaterThanOrEqual(resumed.at - 5);
    }
    expect(c.monitor.violations).toEqual([]);
  }, 30_000);
});
