import type { MembershipBackend } from '@election/core';
import type { ContractCluster, ContractClusterFactory } from '@election/testing';
import { createConsulMembership } from '../../src/index.js';
import type { ConsulSimulatorOptions } from './consul-simulator.js';
import { type ConsulTarget, realConsulTarget, simulatorTarget, uniqueElection } from './consul-target.js';
import { withShortTtls } from './short-ttl.js';

function clusterOn(
  target: ConsulTarget,
  release: () => Promise<void>,
  wrap: (backend: MembershipBackend) => MembershipBackend = (backend) => backend,
): ContractCluster {
  // One election per case, one backend (one client) per node, as separate processes would have.
  const election = uniqueElection('contract');
  const backends: MembershipBackend[] = [];
  return {
    createBackend() {
      const backend = createConsulMembership(target.membershipOptions({ election }));
      backends.push(backend);
      return wrap(backend);
    },
    async teardown() {
      await Promise.all(backends.map((backend) => backend.close()));
      await release();
    },
  };
}

/**
 * A fresh Consul simulator for every contract case. `shortTtls`: the simulator accepts session TTLs
 * from 1 s (as an agent with a lowered `session_ttl_min` does) and the adapter declares that minimum
 * to core, so the suite can run at a 2 s TTL (see short-ttl.ts).
 */
export function simulatorCluster(
  options: ConsulSimulatorOptions & { readonly shortTtls?: boolean } = {},
): ContractClusterFactory {
  const { shortTtls = false, ...simulator } = options;
  return async () => {
    const target = await simulatorTarget(shortTtls ? { minSessionTtlMs: 1_000, ...simulator } : simulator);
    return clusterOn(
      target,
      () => target.close(),
      shortTtls ? (backend) => withShortTtls(backend) : undefined,
    );
  };
}

/** A fresh election on the real Consul named by CONSUL_HTTP_ADDR for every contract case. */
export function realConsulCluster(): ContractClusterFactory {
  return async () => {
    const target = await realConsulTarget();
    return clusterOn(target, () => target.close());
  };
}
