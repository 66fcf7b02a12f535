import { ConfigurationError, createElector } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createConsulMembership } from '../../src/index.js';
import type { ConsulTarget } from './consul-target.js';
import { uniqueElection } from './consul-target.js';

/**
 * The real-agent copy of test/adapter/agent-answers.test.ts. What a real agent can show without
 * setup runs; the rest (it needs an ACL policy, an agent of one version, a leaderless cluster or
 * rate limits) is listed as skipped with the reason.
 */
export function registerAgentAnswerCases(
  title: string,
  createTarget: () => Promise<ConsulTarget>,
  options: { readonly simulator: boolean },
): void {
  describe(title, () => {
    it.each(['jobs:x', 'jobs and more'])(
      'an election name some agent versions refuse (%j) either joins or fails start() with a ConfigurationError, never retries for ever',
      async (name) => {
        const target = await createTarget();
        const elector = createElector({
          id: 'node-a',
          membership: createConsulMembership(
            target.membershipOptions({ election: `${uniqueElection('names')}-${name}` }),
          ),
          startTimeoutMs: 15_000,
        });
        try {
          const outcome = await elector.start().then(
            () => 'joined',
            (error: unknown) => error,
          );
          if (outcome !== 'joined') {
            expect(outcome).toBeInstanceOf(ConfigurationError);
            expect((outcome as Error).message).toMatch(/prefix and election options/);
          }
        } finally {
          await elector.stop();
          await target.close();
        }
      },
      20_000,
    );
    // On the simulator these run in test/adapter/agent-answers.test.ts.
    if (options.simulator) return;
    for (const skipped of [
      "a token whose lists leave out this node's own member key fails the join [skipped: needs the simulator, it sets an ACL policy]",
      'a policy that takes the prefix away mid-run [skipped: needs the simulator, it sets an ACL policy]',
      'a leaderless Consul holds requests; renewals time out and retry [skipped: needs the simulator, it takes the cluster leader away]',
      '429 with an empty body and 503 on writes are ridden out [skipped: needs the simulator, it switches the rate limits on]',
    ]) {
      it.skip(skipped, () => {});
    }
  });
}
