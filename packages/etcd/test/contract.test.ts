import { runContractSuite } from '@election/testing';
import { type EtcdServer, startEtcd } from '@election/tools';
import * as vitest from 'vitest';
import { createEtcdMembership, type EtcdMembershipBackend } from '../src/index.js';
import { uniquePrefix } from './support/session-helpers.js';

let etcd: EtcdServer;
vitest.beforeAll(async () => {
  etcd = await startEtcd();
}, 30_000);
vitest.afterAll(() => etcd?.stop());

// Each case gets its own key prefix on the one etcd, and one backend (one client) per node.
function createCluster() {
  const prefix = uniquePrefix('contract');
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
}

// The cases mostly wait out TTLs on their own prefixes of the one etcd: run side by side.
runContractSuite(vitest, createCluster, {
  name: 'etcd',
  lock: true,
  ttlMs: 2000,
  timeoutMs: 3000,
  concurrent: true,
});
