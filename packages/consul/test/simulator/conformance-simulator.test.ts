import { registerConformanceCases } from '../support/conformance-cases.js';
import { simulatorTarget } from '../support/consul-target.js';

// Every case of the reference table the simulator models, against the simulator (a hold of 300 ms
// stands in for Consul's 7 s rpc_hold_timeout). The same cases run against a real agent in
// real-consul.test.ts when CONSUL_HTTP_ADDR is set.
registerConformanceCases('Consul behaviours (simulator)', () => simulatorTarget({ holdMs: 300 }), {
  simulator: true,
});
