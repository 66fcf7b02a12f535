import { runContractSuite } from '@election/testing';
import * as vitest from 'vitest';
import { simulatorCluster } from './support/contract-clusters.js';

// Against the Consul SIMULATOR. It invalidates an expired session at exactly TTL here (the early
// end of Consul's "between TTL and 2×TTL"), so crash cases take 5–10 s, not 15–20 s; the 2×TTL
// worst case is covered by test/faults/faults-simulator.test.ts. "Nothing happens" windows: 3 s.
// A second start() under a live id is refused only after the adapter has watched the holder for
// 2×TTL + 1 s (21 s: Consul shows no remaining TTL, src/holder.ts), so a start may take that long.
runContractSuite(vitest, simulatorCluster({ sessionExpiry: 'ttl' }), {
  name: 'consul (simulator)',
  lock: true,
  ttlMs: 10_000,
  timeoutMs: 13_000,
  settleMs: 3_000,
});
