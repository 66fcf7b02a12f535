import type { JoinRequest, MembershipBackend, MembershipSession } from '@election/core';
import Consul from 'consul';
import { type ConsulMembershipOptions, createConsulMembership } from '../../src/index.js';
import { encodeKeySegment } from '../../src/keys.js';
import type { ConsulSession } from '../../src/session.js';
import {
  type ConsulSimulator,
  type ConsulSimulatorOptions,
  startConsulSimulator,
} from './consul-simulator.js';
import { uniqueElection } from './consul-target.js';

/** One simulator, one election, and every backend and session a test opens, closed afterwards. */
export interface AdapterFixture {
  readonly sim: ConsulSimulator;
  readonly election: string;
  /** A raw client for acting behind the adapter's back. */
  readonly admin: Consul;
  readonly memberKey: (id: string) => string;
  readonly leaderKey: string;
  backend(extra?: ConsulMembershipOptions): MembershipBackend;
  /** The adapter's own session type, so tests reach `lock.release(token)` whatever core's contract says. */
  join(backend: MembershipBackend, request: JoinRequest): Promise<ConsulSession>;
  cleanup(): Promise<void>;
}

export async function createAdapterFixture(options: ConsulSimulatorOptions = {}): Promise<AdapterFixture> {
  const sim = await startConsulSimulator(options);
  const election = uniqueElection('adapter');
  // The admin client talks plain HTTP only; TLS fixtures use the adapter's own client.
  const admin = new Consul({
    host: sim.host,
    port: sim.port,
    ...(options.aclToken ? { defaults: { token: options.aclToken } } : {}),
  });
  const backends: MembershipBackend[] = [];
  const sessions: MembershipSession[] = [];
  return {
    sim,
    election,
    admin,
    memberKey: (id) => `election/${election}/members/${encodeKeySegment(id)}`,
    leaderKey: `election/${election}/leader`,
    backend(extra = {}) {
      const backend = createConsulMembership({ host: sim.host, port: sim.port, election, ...extra });
      backends.push(backend);
      return backend;
    },
    async join(backend, request) {
      const session = (await backend.join(request)) as ConsulSession;
      sessions.push(session);
      return session;
    },
    async cleanup() {
      for (const session of sessions) session.close();
      await Promise.all(backends.map((backend) => backend.close()));
      admin.destroy();
      await sim.close();
    },
  };
}
