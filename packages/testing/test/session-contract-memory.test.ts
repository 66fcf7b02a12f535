import * as vitest from 'vitest';
import { createManualClock, createMemoryCluster, runSessionContract } from '../src/index.js';

const clock = createManualClock();

// The memory backend on fake time: expire() ends a lease behind the session's back, partition()
// cuts a node off (its calls reject at once, so leave() settles at once).
runSessionContract(
  vitest,
  () => {
    const cluster = createMemoryCluster({ clock });
    return {
      backend: () => cluster.backend(),
      invalidate: (id) => cluster.expire(id),
      async outage(ids) {
        for (const id of ids) cluster.partition(id);
        return async () => {
          for (const id of ids) cluster.heal(id);
        };
      },
      async latency(ids, ms) {
        for (const node of ids) cluster.latency(ms, { node });
        return async () => {
          for (const node of ids) cluster.latency(0, { node });
        };
      },
      teardown: async () => cluster.dispose(),
    };
  },
  {
    name: 'memory',
    lock: true,
    ttlMs: 3000,
    clock,
    timeoutMs: 2000,
    leaveBoundMs: 1000,
    noUserClient: 'the in-memory backend takes no client: every backend is a handle on the shared cluster',
  },
);

vitest.afterEach(() => {
  vitest.expect(clock.pendingTimers()).toBe(0);
});
