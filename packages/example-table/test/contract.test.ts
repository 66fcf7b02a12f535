import { createManualClock, runContractSuite, runSessionContract } from '@election/testing';
import * as vitest from 'vitest';
import { createTableMembership } from '../src/index.js';
import { Table } from './table.js';

// The table runs on fake time: every wait of the suites moves it, so TTLs pass in no real time.
const clock = createManualClock();

runContractSuite(
  vitest,
  () => {
    const table = new Table(clock);
    return {
      createBackend: ({ id }) => createTableMembership({ client: table.connect(id) }),
      teardown: async () => table.close(),
    };
  },
  { name: 'table', lock: true, ttlMs: 3000, clock, timeoutMs: 2000 },
);

runSessionContract(
  vitest,
  () => {
    const table = new Table(clock);
    return {
      backend: ({ id }) => createTableMembership({ client: table.connect(id) }),
      invalidate: (id) => table.expire(id),
      async outage(ids) {
        for (const id of ids) table.pause(id);
        return async () => {
          for (const id of ids) table.resume(id);
        };
      },
      async latency(ids, ms) {
        for (const id of ids) table.delay(id, ms);
        return async () => {
          for (const id of ids) table.delay(id, 0);
        };
      },
      async userClient() {
        const client = table.connect('user');
        return {
          backend: () => createTableMembership({ client }),
          works: async () => void (await client.read()),
          close: async () => client.close(),
        };
      },
      teardown: async () => table.close(),
    };
  },
  {
    name: 'table',
    lock: true,
    ttlMs: 3000,
    clock,
    timeoutMs: 2000,
    leaveBoundMs: 1000,
    noTransfer: 'the example keeps to the basic lock',
  },
);

// Stopped electors and closed backends leave no timer behind.
vitest.afterEach(() => {
  vitest.expect(clock.pendingTimers()).toBe(0);
});
