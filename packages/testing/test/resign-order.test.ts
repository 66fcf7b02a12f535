import { createElector } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createManualClock, createMemoryCluster, waitFor } from '../src/index.js';

describe("a leader's resigning stop", () => {
  it('releases the lock before it leaves, waiting at most 500 ms for the answer', async () => {
    const clock = createManualClock();
    const cluster = createMemoryCluster({ clock });
    const a = createElector({ id: 'a', membership: cluster.backend(), clock, ttlMs: 3000 });
    const started = a.start();
    await waitFor(() => a.state.isLeader, { clock, timeoutMs: 2000, message: 'a to lead' });
    await started;
    cluster.latency(10_000, { node: 'a' }); // the release's answer will not come in time
    let stopped = false;
    const stopping = a.stop().then(() => {
      stopped = true;
    });
    await clock.flush();
    // The release reached the server; the registration is still there: two changes, not one (the
    // in-memory leave, like etcd's, ends the lock and the registration in one step).
    expect(cluster.lockHolder()).toBeNull();
    expect(cluster.members().map((member) => member.id)).toEqual(['a']);
    await clock.advance(499);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(cluster.members()).toEqual([]);
    cluster.dispose();
  });
});
