import { runSessionContract } from '@election/testing';
import { type EtcdServer, startEtcd, startTcpRelay } from '@election/tools';
import { Etcd3 } from 'etcd3';
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
  async () => {
    const prefix = uniquePrefix('session');
    const first = createEtcdMembership({ ...etcd.clientOptions, prefix });
    // Every node reaches etcd through one relay of this test: latency() holds etcd's answers back.
    const relay = await startTcpRelay(Number(new URL(etcd.endpoints[0] as string).port));
    const endpoints = [relay.url];
    return {
      backend: () => createEtcdMembership({ ...etcd.clientOptions, endpoints, prefix, leaveTimeoutMs: 500 }),
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
      // One etcd process: SIGSTOP freezes every node, not only the named ones.
      outageScope: 'all',
      async latency(_ids, ms) {
        relay.delay(ms);
        return async () => relay.delay(0);
      },
      async userClient() {
        const client = new Etcd3({ hosts: endpoints });
        return {
          backend: () => createEtcdMembership({ client, prefix, leaveTimeoutMs: 500 }),
          works: async () => {
            await client.get('user-client-probe').string();
          },
          close: async () => client.close(),
        };
      },
      teardown: async () => {
        await first.close();
        await relay.close();
      },
    };
  },
  { name: 'etcd', lock: true, ttlMs: 2_000, timeoutMs: 3_000, leaveBoundMs: 1_500 },
);
