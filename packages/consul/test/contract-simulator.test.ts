import { runContractSuite } from '@election/testing';
import * as vitest from 'vitest';
import { simulatorCluster } from './support/contract-clusters.js';

// Against the Consul SIMULATOR, at a 2 s TTL (the simulator accepts session TTLs from 1 s, as an
// agent with a lowered session_ttl_min does; test/support/short-ttl.ts): the same adapter, the cases
// in seconds. It invalidates an expired session at exactly TTL here (the early end of Consul's
// "between TTL and 2×TTL"); the 2×TTL worst case is covered by test/faults/faults-simulator.test.ts,
// and the suite at Consul's default 10 s minimum runs against a real agent (real-consul.test.ts).
// A second start() under a live id is refused only after the adapter has watched the holder for
// 2×TTL + 1 s (5 s: Consul shows no remaining TTL), so a start may take that long.
runContractSuite(vitest, simulatorCluster({ sessionExpiry: 'ttl', shortTtls: true }), {
  name: 'consul (simulator)',
  lock: true,
  ttlMs: 2_000,
  timeoutMs: 7_000,
  settleMs: 1_500,
  // Not `concurrent`: the simulators would share the electors' process, and on a loaded machine its
  // stalls outlast the 2 s TTL (seen: sessions expiring under live electors).
});
