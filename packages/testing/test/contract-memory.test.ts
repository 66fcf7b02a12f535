import * as vitest from 'vitest';
import { createManualClock, createMemoryCluster, runContractSuite } from '../src/index.js';

// One fake clock for every case: time only moves while a case waits, so the suite runs in well
// under a second of real time although it covers several TTLs of fake time.
const clock = createManualClock();

runContractSuite(
  vitest,
  () => {
    const cluster = createMemoryCluster({ clock });
    return { createBackend: () => cluster.backend(), teardown: async () => cluster.dispose() };
  },
  { name: 'memory', lock: true, ttlMs: 3000, clock, timeoutMs: 2000 },
);

runContractSuite(
  vitest,
  () => {
    const cluster = createMemoryCluster({ clock, capabilities: { lock: false } });
    return { createBackend: () => cluster.backend(), teardown: async () => cluster.dispose() };
  },
  { name: 'memory without a lock', lock: false, ttlMs: 3000, clock, timeoutMs: 2000 },
);

// Runs after the suite's own clean-up: stopped electors and a disposed cluster leave no timer behind.
vitest.afterEach(() => {
  vitest.expect(clock.pendingTimers()).toBe(0);
});
