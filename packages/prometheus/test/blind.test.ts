import { createElector, type Elector } from '@election/core';
import { collectElectorMetrics } from '@election/prometheus';
import { createManualClock, createMemoryCluster, type MemoryCluster, waitFor } from '@election/testing';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Issue 20 review, item 6: a node's own blindness is not a gap. A follower cut off from the backend
 * sees the lock holder lapse shortly before its own registration deadline (its view of the lock is
 * not renewed either); that onset is dropped with the rest, so it counts exactly nothing.
 */
const TTL_MS = 3000;
let memory: MemoryCluster | undefined;
const electors: Elector[] = [];
afterEach(async () => {
  for (const elector of electors.splice(0)) await elector.stop({ resign: false });
  memory?.dispose();
  memory = undefined;
});

describe('leaderless time on a node cut off from the backend', () => {
  it('is exactly zero while the leader leads on, from the cut to the node back', async () => {
    const clock = createManualClock(1_000_000);
    const cluster = createMemoryCluster({ clock });
    memory = cluster;
    const [a, b] = ['a', 'b'].map((id) => {
      const elector = createElector({ id, membership: cluster.backend(), clock, ttlMs: TTL_MS });
      electors.push(elector);
      return elector;
    }) as [Elector, Elector];
    const registry = new Registry();
    collectElectorMetrics(b, { registry });
    await Promise.all([a.start(), b.start()]);
    await waitFor(() => b.state.leaderId === 'a', { clock, timeoutMs: 5000, message: 'b to see a lead' });
    cluster.partition('b');
    await waitFor(() => b.state.reason.kind === 'backend-unreachable', {
      clock,
      timeoutMs: 10_000,
      message: 'b past its deadline',
    });
    await clock.advance(5000);
    cluster.heal('b');
    await waitFor(() => b.state.leaderId === 'a', { clock, timeoutMs: 10_000, message: 'b back' });
    expect(a.state.isLeader).toBe(true);
    const text = await registry.metrics();
    expect(text).toMatch(/^election_leaderless_seconds_total\{election="default"\} 0$/m);
  });
});
