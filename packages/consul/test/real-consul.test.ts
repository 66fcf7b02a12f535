import { runContractSuite } from '@election/testing';
import * as vitest from 'vitest';
import { registerAgentAnswerCases } from './support/agent-answer-cases.js';
import { registerConformanceCases } from './support/conformance-cases.js';
import { realConsulSkipReason, realConsulTarget } from './support/consul-target.js';
import { realConsulCluster } from './support/contract-clusters.js';
import { registerFaultScenarios } from './support/fault-scenarios.js';
import { registerKeyNameCases } from './support/key-name-cases.js';

// The same suites as against the simulator, run against a real Consul agent on loopback when
// CONSUL_HTTP_ADDR is set (CONSUL_HTTP_TOKEN and CONSUL_CACERT are honoured). CI does not set it:
// there, only the simulator runs, and this file reports itself as skipped.
const skipReason = realConsulSkipReason();
if (skipReason) console.info(`[@election/consul] real Consul suites skipped: ${skipReason}`);

if (skipReason) vitest.it.skip(`real Consul: skipped, ${skipReason}`, () => {});

vitest.describe.skipIf(skipReason !== undefined)('real Consul', () => {
  // Real servers invalidate at 2×TTL and the leader key then stays refused for the lock-delay (the
  // TTL by default), so a crash may take up to 30 s to fail over (the suite allows ttl + timeout =
  // 32 s), and a duplicate id is refused once the holder was watched for 2×TTL + 1 s (21 s).
  runContractSuite(vitest, realConsulCluster(), {
    name: 'consul (real Consul)',
    lock: true,
    ttlMs: 10_000,
    timeoutMs: 22_000,
    settleMs: 3_000,
  });
  registerFaultScenarios('faults against a real Consul', realConsulTarget, { simulator: false });
  registerKeyNameCases('awkward ids end to end (real Consul)', realConsulTarget);
  registerConformanceCases('Consul behaviours (real Consul)', realConsulTarget, { simulator: false });
  registerAgentAnswerCases("the adapter against the agent's answers (real Consul)", realConsulTarget, {
    simulator: false,
  });
});
