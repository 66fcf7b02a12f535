import { simulatorTarget } from '../support/consul-target.js';
import { registerFaultScenarios } from '../support/fault-scenarios.js';

// Default simulator expiry: 2×TTL after the last renewal, as Consul's servers do (the worst case).
registerFaultScenarios(
  'faults against the Consul simulator (sessions expire at 2×TTL)',
  () => simulatorTarget(),
  {
    simulator: true,
  },
);
