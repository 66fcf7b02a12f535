import { LifecycleError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createManualClock, createMemoryCluster } from '../src/index.js';
import { join } from './memory-helpers.js';

/**
 * Found by review23: "a join that close() overtakes fails and leaves nothing registered". The
 * memory backend registers at once and then spends the reply latency (cluster.latency()) handing
 * the session back, outside BackendLifecycle.join: a close() during that latency does not reach
 * the join. It resolves with a session already closed, and the lease it registered stays live
 * until its TTL, where the etcd and Consul adapters give theirs up.
 */
describe('memory backend: close() while the join answer is on its way', () => {
  it('the join fails with LifecycleError and its lease is given up', async () => {
    const clock = createManualClock();
    const cluster = createMemoryCluster({ clock });
    cluster.latency(500);
    const backend = cluster.backend();
    const joining = join(backend, clock, { id: 'a' }, 3000).then(
      () => 'joined',
      (e: unknown) => e,
    );
    await clock.advance(100); // registered at the server; the answer is still in flight
    await backend.close();
    await clock.advance(500);
    const outcome = await joining;
    const live = cluster.liveLeases();
    cluster.dispose();
    expect({ outcome: outcome instanceof LifecycleError ? 'LifecycleError' : outcome, live }).toEqual({
      outcome: 'LifecycleError',
      live: 0,
    });
  });
});
