import { runSessionContract } from '@election/testing';
import { startTcpRelay } from '@election/tools';
import Consul from 'consul';
import * as vitest from 'vitest';
import { createConsulMembership } from '../src/index.js';
import { startConsulSimulator } from './support/consul-simulator.js';
import { uniqueElection } from './support/consul-target.js';

// A fresh simulator per test, with Consul's 2×TTL expiry but a session_ttl_min of 1 s, so the
// TTL-bound groups run on a 2 s TTL. The adapter is called directly (no elector), so core's 10 s
// minimum for Consul does not apply; the agent's own minimum does.
runSessionContract(
  vitest,
  async () => {
    const sim = await startConsulSimulator({ minSessionTtlMs: 1_000, strictKeys: true });
    const election = uniqueElection('session');
    // Every node reaches the simulator through one relay of this test: latency() holds answers back.
    const relay = await startTcpRelay(sim.port);
    return {
      backend: () =>
        createConsulMembership({ host: '127.0.0.1', port: relay.port, election, leaveTimeoutMs: 1_000 }),
      invalidate(id) {
        // As an operator's `consul session destroy` or an expiry: behavior "delete" drops the key.
        const session = sim.state.allSessions().find((s) => s.name.endsWith(`: ${id}`));
        if (!session) throw new Error(`no session for ${id}`);
        sim.state.destroySession(session.id);
      },
      async outage() {
        await sim.stop();
        return () => sim.start();
      },
      // The simulated servers stop as a whole: every node is cut off, not only the named ones.
      outageScope: 'all',
      async latency(_ids, ms) {
        relay.delay(ms);
        return async () => relay.delay(0);
      },
      async userClient() {
        const client = new Consul({ host: '127.0.0.1', port: relay.port });
        return {
          backend: () => createConsulMembership({ client, election, leaveTimeoutMs: 1_000 }),
          works: async () => {
            await client.kv.get('user-client-probe');
          },
          // A consul client holds no connection of its own to close (plain HTTP requests).
          close: async () => {},
        };
      },
      teardown: async () => {
        await sim.close();
        await relay.close();
      },
    };
  },
  { name: 'consul (simulator)', lock: true, ttlMs: 2_000, timeoutMs: 3_000, leaveBoundMs: 1_500 },
);
