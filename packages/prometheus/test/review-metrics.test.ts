import { createElector, type Elector } from '@election/core';
import { collectElectorMetrics } from '@election/prometheus';
import { createManualClock, createMemoryCluster, type MemoryCluster, waitFor } from '@election/testing';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Review of issue 20, election_leaderless_seconds_total: "define each so that nodes agree". A
 * follower cut off from the backend while the leader keeps leading counts the whole cut as
 * leaderless; the leader and the other followers count nothing. A sum/max over nodes on a
 * dashboard (or an alert on it) then shows a leaderless election that never was.
 */
const TTL_MS = 2000;
let cluster: MemoryCluster | undefined;
const electors: Elector[] = [];
afterEach(async () => {
  for (const elector of electors.splice(0)) await elector.stop({ resign: false });
  cluster?.dispose();
  cluster = undefined;
});

const leaderless = async (registry: Registry) => {
  const match = /^election_leaderless_seconds_total\{election="default"\} (\S+)$/m.exec(
    await registry.metrics(),
  );
  return Number(match?.[1] ?? Number.NaN);
};

describe('review: leaderless_seconds_total when one follower is cut off', () => {
  it('does not count a gap on the cut-off follower while the leader leads throughout', async () => {
    const clock = createManualClock(1_000_000);
    cluster = createMemoryCluster({ clock });
    const memory = cluster;
    const nodes = ['a', 'b', 'c'].map((id) => {
      const elector = createElector({ id, membership: memory.backend(), clock, ttlMs: TTL_MS });
      electors.push(elector);
      return elector;
    });
    const registries = nodes.map((elector) => {
      const registry = new Registry();
      collectElectorMetrics(elector, { registry, ttlMs: TTL_MS });
      return registry;
    });
    const started = Promise.all(nodes.map((n) => n.start()));
    await waitFor(() => nodes.every((n) => n.state.leaderId === 'a' && n.state.members.length === 3), {
      clock,
      timeoutMs: 5000,
      message: 'all three to see a lead',
    });
    await started;
    const before = await Promise.all(registries.map(leaderless));
    const [a, , c] = nodes as [Elector, Elector, Elector];

    memory.partition('c');
    await clock.advance(10_000);
    memory.heal('c');
    await waitFor(() => c.state.leaderId === 'a' && c.state.members.length === 3, {
      clock,
      timeoutMs: 10_000,
      message: 'c back, seeing a lead',
    });
    expect(a.state.isLeader).toBe(true);
    const after = await Promise.all(registries.map(leaderless));
    const rose = after.map((value, i) => value - (before[i] ?? 0));
    console.log(
      `review metrics: leaderless_seconds_total rose by a ${rose[0]}, b ${rose[1]}, c ${rose[2]} (c cut off 10 s)`,
    );
    // a led all along: every node should count (about) the same, none.
    for (const seconds of rose) expect(seconds).toBeLessThan(0.5);
  });

  it('does not count its own join as leaderless when a leader led throughout (a restarted follower)', async () => {
    const clock = createManualClock(1_000_000);
    cluster = createMemoryCluster({ clock });
    const memory = cluster;
    const node = (id: string) => {
      const elector = createElector({ id, membership: memory.backend(), clock, ttlMs: TTL_MS });
      electors.push(elector);
      return elector;
    };
    const a = node('a');
    await a.start();
    await waitFor(() => a.state.isLeader, { clock, timeoutMs: 5000, message: 'a to lead' });
    memory.latency(500, { node: 'b' }); // a backend 500 ms away from b
    const b = node('b');
    const registry = new Registry();
    collectElectorMetrics(b, { registry, ttlMs: TTL_MS });
    const started = b.start();
    await waitFor(() => b.state.leaderId === 'a', { clock, timeoutMs: 10_000, message: 'b to see a' });
    await started;
    expect(a.state.isLeader).toBe(true);
    expect(await leaderless(registry)).toBe(0);
  });
});
