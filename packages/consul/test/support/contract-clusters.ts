import type { MembershipBackend } from '@election/core';
import type { ContractCluster, ContractClusterFactory } from '@election/testing';
import { createConsulMembership } from '../../src/index.js';
import type { ConsulSimulatorOptions } from './consul-simulator.js';
import { type ConsulTarget, realConsulTarget, simulatorTarget, uniqueElection } from './consul-target.js';

function clusterOn(target: ConsulTarget, release: () => Promise<void>): ContractCluster {
  // One election per case, one backend (one client) per node, as separate processes would have.
  const election = uniqueElection('contract');
  const backends: MembershipBackend[] = [];
  return {
    createBackend() {
      const backend = createConsulMembership(target.membershipOptions({ election }));
      backends.push(backend);
      return backend;
    },
    async teardown() {
      await Promise.all(backends.map((backend) => backend.close()));
      await release();
    },
  };
}

/** A fresh Consul simulator for every contract case. */
export function simulatorCluster(options: ConsulSimulatorOptions = {}): ContractClusterFactory {
  return async () => {
    const target = await simulatorTarget(options);
    return clusterOn(target, () => target.close());
  };
}

/** A fresh election on the real Consul named by CONSUL_HTTP_ADDR for every contract case. */
export function realConsulCluster(): ContractClusterFactory {
  return async () => {
    const target = await realConsulTarget();
    return clusterOn(target, () => target.close());
  };
}
