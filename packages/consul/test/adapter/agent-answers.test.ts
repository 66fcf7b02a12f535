import { ConfigurationError, createElector, SessionLostError } from '@election/core';
import { waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsulMembership } from '../../src/index.js';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { registerAgentAnswerCases } from '../support/agent-answer-cases.js';
import { simulatorTarget } from '../support/consul-target.js';
import { joinRequest } from '../support/join-request.js';
import { withShortTtls } from '../support/short-ttl.js';

/** How the adapter takes the answers of a real agent the simulator now gives (README, reference table). */
describe('the adapter against Consul answers (simulator)', () => {
  let fx: AdapterFixture | undefined;
  afterEach(async () => {
    await fx?.cleanup();
    fx = undefined;
  });

  it('a token whose lists leave out this node\'s own member key: the join fails with a ConfigurationError, start() too, instead of joining and "losing" the key for ever', async () => {
    // Consul's KVS.List drops what the token cannot read, without a 403. The simulator's policy
    // hides the member keys from lists only, which is the one thing the join can be fooled by.
    fx = await createAdapterFixture({
      aclToken: 't',
      aclPolicy: (key, access) => !(access === 'list' && key.includes('/members/')),
    });
    const backend = fx.backend({ token: 't' });
    await expect(fx.join(backend, joinRequest('node-a'))).rejects.toThrow(
      /does not show it: Consul leaves out of \?recurse lists the keys the ACL token cannot read/,
    );
    expect(fx.sim.state.allSessions()).toEqual([]);
    const elector = createElector({ id: 'node-b', membership: fx.backend({ token: 't' }) });
    await expect(elector.start()).rejects.toBeInstanceOf(ConfigurationError);
    const creates = fx.sim.requests.filter((r) => r.path === '/v1/session/create');
    expect(creates).toHaveLength(2); // one per join: no rejoin loop
  });

  it('a policy that takes the prefix away mid-run: the session is lost once, and the rejoin fails with a ConfigurationError naming the ACL', async () => {
    let allowed = true;
    fx = await createAdapterFixture({ aclToken: 't', aclPolicy: () => allowed });
    const backend = fx.backend({ token: 't' });
    const session = await fx.join(backend, joinRequest('node-a'));
    const lost: Error[] = [];
    session.onLost((cause) => lost.push(cause));
    allowed = false;
    // Something must move the watch: another key under the prefix, written by an admin token.
    fx.sim.state.kvPut(`election/${fx.election}/other`, Buffer.from('x'), {});
    await waitFor(() => lost.length === 1, { timeoutMs: 2_000, message: 'onLost' });
    expect(lost[0]).toBeInstanceOf(SessionLostError);
    await expect(fx.join(backend, joinRequest('node-a'))).rejects.toThrow(/Check the ACL token/);
  });

  it.each([
    ['v1.21.5', 'jobs and more', /invalid key name/],
    ['strict', 'jobs:x', /key contains invalid character ':'/],
  ] as const)(
    'a %s agent refusing the election name %j fails start() with a ConfigurationError that names the options',
    async (keyValidation, election, message) => {
      fx = await createAdapterFixture({ keyValidation });
      const elector = createElector({
        id: 'node-a',
        membership: createConsulMembership({ host: fx.sim.host, port: fx.sim.port, election }),
      });
      const failure = await elector.start().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigurationError);
      expect((failure as Error).message).toMatch(message);
      expect((failure as Error).message).toMatch(/prefix and election options/);
    },
  );

  it('a current agent accepts spaces inside names but no leading or trailing ones: those are refused before any request', async () => {
    fx = await createAdapterFixture({ keyValidation: 'current' });
    await fx.join(fx.backend({ election: 'jobs and more' }), joinRequest('node-a'));
    expect(() => fx?.backend({ election: 'jobs ' })).toThrow(/must not start or end with whitespace/);
    expect(() => fx?.backend({ prefix: ' election' })).toThrow(ConfigurationError);
    // Path traversal, which every validating agent refuses, is refused up front too.
    expect(() => fx?.backend({ prefix: 'a/../b' })).toThrow(/must not contain "\." or "\.\." segments/);
  });

  it('a leaderless Consul holds requests (rpc_hold_timeout, 7 s) instead of failing them: renewals give up at TTL/4 and retry, the session survives, the deadline moves on after the election', async () => {
    fx = await createAdapterFixture({ minSessionTtlMs: 1_000 });
    const session = await fx.join(fx.backend(), joinRequest('node-a', { ttlMs: 2_000 }));
    const errors: Error[] = [];
    const lost: Error[] = [];
    session.onError((error) => errors.push(error));
    session.onLost((cause) => lost.push(cause));
    fx.sim.loseLeader();
    const deadline = session.deadline();
    await waitFor(() => errors.some((e) => /renew the session/.test(e.message)), {
      timeoutMs: 3_000,
      message: 'a renewal to time out',
    });
    // Held, not answered: the renewal failed by its own timeout (500 ms for TTL 2 s), not a 500.
    const renewal = errors.find((e) => /renew the session/.test(e.message));
    expect(renewal?.message).not.toMatch(/No cluster leader/);
    expect(fx.sim.heldRequests()).toBeGreaterThan(0);
    fx.sim.electLeader();
    await waitFor(() => session.deadline() > deadline, {
      timeoutMs: 3_000,
      message: 'a renewal after the election',
    });
    expect(lost).toEqual([]);
  });

  it('429 with an empty body and 503 on writes are ridden out: the join retries and succeeds once they stop', async () => {
    fx = await createAdapterFixture({ minSessionTtlMs: 1_000 });
    fx.sim.faults.rateLimited = true;
    const elector = createElector({
      id: 'node-a',
      membership: withShortTtls(fx.backend()),
      ttlMs: 2_000,
    });
    const started = elector.start();
    await waitFor(() => fx?.sim.requests.length !== undefined && (fx?.sim.requests.length ?? 0) > 1, {
      timeoutMs: 2_000,
      message: 'a retried join',
    });
    fx.sim.faults.rateLimited = false;
    fx.sim.faults.retryLater = true;
    const before = fx.sim.requests.length;
    await waitFor(() => (fx?.sim.requests.length ?? 0) > before + 1, {
      timeoutMs: 3_000,
      message: 'more retries',
    });
    fx.sim.faults.retryLater = false;
    await started;
    await waitFor(() => elector.state.isLeader, { timeoutMs: 3_000, message: 'node-a to lead' });
    await elector.stop();
  });
});

// The real-agent copy, here on agents of each version's key rules.
for (const keyValidation of ['none', 'v1.21.5', 'strict', 'current'] as const) {
  registerAgentAnswerCases(
    `the adapter against the agent's answers (simulator, ${keyValidation} key rules)`,
    () => simulatorTarget({ keyValidation }),
    { simulator: true },
  );
}
