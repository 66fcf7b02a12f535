import { simulatorTarget } from '../support/consul-target.js';
import { registerFaultScenarios } from '../support/fault-scenarios.js';

// Default simulator expiry: 2×TTL after the last renewal, as Consul's servers do (the worst case).
// At a 2 s TTL: the simulator accepts session TTLs from 1 s, as a Consul agent does whose
// session_ttl_min is lowered (Consul refuses a TTL outside [session_ttl_min, 24h], "Invalid Session
// TTL"; session_ttl_min defaults to 10 s and is configurable). The same cases run at the default
// 10 s against a real agent (real-consul.test.ts), and here too where a case says it needs it.
registerFaultScenarios(
  'faults against the Consul simulator (sessions expire at 2×TTL, TTL 2 s)',
  () => simulatorTarget({ minSessionTtlMs: 1_000 }),
  { simulator: true, shortTtlMs: 2_000 },
);
