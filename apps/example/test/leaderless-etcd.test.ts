import { createElector, type Elector } from '@election/core';
import { createEtcdMembership, type EtcdMembershipBackend } from '@election/etcd';
import { collectElectorMetrics } from '@election/prometheus';
import { type EtcdServer, findOnPath, startEtcd } from '@election/tools';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';

/**
 * election_leaderless_seconds_total on a real etcd, against the gap measured from the leader's end
 * (its crash, or its stop) to the next node's `elected` event: a crash's gap is dated back to the
 * crashed leader's last renewal (its lease expired a TTL later), a graceful stop's is not.
 */
const etcdBinary = findOnPath('etcd');
const TTL_MS = 2000;
/** etcd revokes an expired lease up to this long after it expired (its lessor's check interval). */
const ETCD_EXPIRY_LAG_S = 0.5;
let etcd: EtcdServer | undefined;
let electors: Elector[] = [];
let backends: EtcdMembershipBackend[] = [];
let round = 0;

const leaderless = async (registry: Registry) => {
  const text = await registry.metrics();
  const match = /^election_leaderless_seconds_total\{election="[^"]+"\} (\S+)$/m.exec(text);
  return Number(match?.[1] ?? Number.NaN);
};

/** Three nodes a, b, c of a fresh election, each with its own registry; a leads. */
async function threeNodes() {
  const election = `gap-${process.pid}-${round++}`;
  const nodes = ['a', 'b', 'c'].map((id) => {
    const backend = createEtcdMembership({
      ...etcd?.clientOptions,
      endpoints: etcd?.endpoints ?? [],
      election,
    });
    backends.push(backend);
    const elector = createElector({ id, membership: backend, ttlMs: TTL_MS });
    electors.push(elector);
    const registry = new Registry();
    collectElectorMetrics(elector, { registry, election, ttlMs: TTL_MS });
    return { elector, registry };
  });
  await Promise.all(nodes.map(({ elector }) => elector.start()));
  await waitFor('every node to see a lead', () =>
    nodes.every(({ elector }) => elector.state.leaderId === 'a' && elector.state.members.length === 3),
  );
  const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
  return { a, b, c };
}

describe.skipIf(!etcdBinary)('leaderless time on etcd, against a measured gap', () => {
  beforeAll(async () => {
    etcd = await startEtcd({ binary: etcdBinary ?? 'etcd' });
  }, 30_000);
  afterEach(async () => {
    for (const elector of electors) await elector.stop({ resign: false });
    await Promise.all(backends.map((backend) => backend.close()));
    electors = [];
    backends = [];
  });
  afterAll(async () => etcd?.stop());

  it.each(['crash', 'graceful stop'] as const)(
    '%s: the survivors agree, and count the measured gap',
    async (how) => {
      const { a, b, c } = await threeNodes();
      // Let a few renewals go by, so the crash falls somewhere between two of them.
      await new Promise<void>((resolve) => setTimeout(resolve, 1100));
      const before = await Promise.all([leaderless(b.registry), leaderless(c.registry)]);
      let electedAt = Number.NaN;
      b.elector.on('elected', () => {
        electedAt = performance.now();
      });
      const endedAt = performance.now();
      // A crash: a stops renewing and walks away (its lease expires by TTL). A graceful stop: it resigns.
      await a.elector.stop({ resign: how === 'graceful stop' });
      await waitFor('b to lead', () => b.elector.state.isLeader, 10_000);
      await waitFor('c to see b lead', () => c.elector.state.leaderId === 'b');
      const gapS = (electedAt - endedAt) / 1000;
      const counted = [
        (await leaderless(b.registry)) - (before[0] ?? 0),
        (await leaderless(c.registry)) - (before[1] ?? 0),
      ];
      console.log(
        `leaderless-etcd test (${how}, TTL ${TTL_MS / 1000} s): gap measured ${gapS.toFixed(3)} s; leaderless_seconds_total rose by ${counted.map((s) => s.toFixed(3)).join(' s (b) and ')} s (c)`,
      );
      for (const seconds of counted) {
        if (how === 'crash') {
          // Dated back a TTL from when the expiry was seen: to a's last renewal (at most one renewal
          // interval, TTL/3, before the crash) plus etcd's lag in revoking an expired lease (its
          // lessor looks every 500 ms: server/lease/lessor.go, runLoop). Not dated back it would be
          // ~0: the time from the expiry to b's election only.
          expect(seconds).toBeGreaterThanOrEqual(gapS - ETCD_EXPIRY_LAG_S - 0.05);
          expect(seconds).toBeLessThanOrEqual(gapS + TTL_MS / 3 / 1000 + 0.05);
        } else {
          // From when each survivor saw the release to b's election: within the gap, not a TTL more.
          expect(seconds).toBeGreaterThanOrEqual(0);
          expect(seconds).toBeLessThanOrEqual(gapS + 0.05);
        }
      }
      expect(Math.abs((counted[0] ?? 0) - (counted[1] ?? 0))).toBeLessThanOrEqual(0.05);
    },
    30_000,
  );
});
