import { runSessionContract } from '@election/testing';
import { type EtcdServer, startEtcd } from '@election/tools';
import type { Etcd3 } from 'etcd3';
import * as vitest from 'vitest';
import { createEtcdMembership } from '../src/index.js';
import { adminClient, leaseOfKey } from './support/admin-client.js';
import { uniquePrefix } from './support/session-helpers.js';

// One etcd of this file's own (the leave() group freezes it with SIGSTOP), a prefix per test.
let etcd: EtcdServer;
let admin: Etcd3;
vitest.beforeAll(async () => {
  etcd = await startEtcd();
  admin = adminClient(etcd);
}, 30_000);
vitest.afterAll(async () => {
  admin?.close();
  await etcd?.stop();
});

runSessionContract(
  vitest,
  () => {
    const prefix = uniquePrefix('session');
    const first = createEtcdMembership({ ...etcd.clientOptions, prefix });
    return {
      backend: () => createEtcdMembership({ ...etcd.clientOptions, prefix, leaveTimeoutMs: 500 }),
      async invalidate(id) {
        // Revoke the member's lease behind its back, as its expiry would.
        const lease = await leaseOfKey(admin, `${first.keys.membersPrefix}${id}`);
        if (lease === undefined || lease === '0') throw new Error(`no lease holds ${id}'s member key`);
        await admin.leaseClient.leaseRevoke({ ID: lease });
      },
      async outage() {
        if (!etcd.controllable) throw new Error(etcd.notControllableReason);
        // A frozen etcd: connections stay open, requests hang: the worst case for a bounded leave.
        await etcd.kill('SIGSTOP');
        return () => etcd.kill('SIGCONT');
      },
      teardown: () => first.close(),
    };
  },
  { name: 'etcd', lock: true, ttlMs: 2_000, timeoutMs: 3_000, leaveBoundMs: 1_500 },
);
