import { runSessionContract } from '@election/testing';
import * as vitest from 'vitest';
import { createHttpCluster } from './http-cluster.js';

// Static members are entries of a fixed list: nothing can end one behind its session's back, and
// there is no store to be unreachable. Peers see a closed (crashed) node go through their probes.
runSessionContract(
  vitest,
  async () => {
    const cluster = await createHttpCluster();
    return { backend: (member) => cluster.createBackend(member), teardown: () => cluster.teardown() };
  },
  {
    name: 'static (HTTP probes on loopback)',
    lock: false,
    ttlMs: 1000,
    timeoutMs: 3000,
    leaveBoundMs: 1000,
    closeGraceMs: 0,
    cannotInvalidate: 'a static registration is an entry of a fixed list: nothing ends it behind its back',
    noRenewals: 'a static registration has no TTL to renew',
    noUpdate: 'a static member list is fixed configuration: a rank changes by restarting with it',
    noUserClient: 'a static backend takes no client from its user: it probes its peers itself',
  },
);
