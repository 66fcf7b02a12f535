// packages/etcd/test/contract.test.ts: the whole file, as packages/testing/README.md shows it.
import { runContractSuite } from '@election/testing';
import { type EtcdServer, startEtcd } from '@election/tools'; // this repository's etcd launcher
import * as vitest from 'vitest';
import { createEtcdMembership, type EtcdMembershipBackend } from '../src/index.js';

let etcd: EtcdServer;
vitest.beforeAll(async () => {
  etcd = await startEtcd(); // a real etcd on a free loopback port, in a temp dir
}, 30_000);
vitest.afterAll(() => etcd?.stop());

runContractSuite(
  vitest,
  () => {
    // A fresh election per test: its own key prefix on the one etcd, one backend (client) per node.
    const prefix = `contract-${crypto.randomUUID()}`;
    const backends: EtcdMembershipBackend[] = [];
    return {
      createBackend: () => {
        const backend = createEtcdMembership({ ...etcd.clientOptions, prefix });
        backends.push(backend);
        return backend;
      },
      teardown: async () => {
        await Promise.all(backends.map((backend) => backend.close()));
      },
    };
  },
  // The cases mostly wait out TTLs on their own prefixes: run them side by side.
  { name: 'etcd', lock: true, ttlMs: 2000, timeoutMs: 3000, concurrent: true },
);
