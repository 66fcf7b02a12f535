import { afterEach, describe, expect, it } from 'vitest';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { joinRequest } from '../support/join-request.js';

/**
 * Found in review: a join that fails after taking its member key (checkListed refusing, the join's
 * signal aborting, a transient error on the list) discards its session with a plain destroy
 * (join.ts discardSession). The session still holds the member key, so Consul arms the session's
 * lock-delay (now the TTL by default) on it (deleteSessionTxn), and the next join of that id is
 * refused for a whole TTL. Every other path that ends a session of ours (leave, lost, revokeHolder)
 * deletes the held keys first; this one does not.
 */
describe('a failed join leaves no lock-delay on its member key', () => {
  let fx: AdapterFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('after a join refused by checkListed, the member key carries no lock-delay and a fixed config joins at once', async () => {
    let listable = false;
    fx = await createAdapterFixture({
      aclToken: 't',
      aclPolicy: (key, access) => listable || !(access === 'list' && key.includes('/members/')),
    });
    const backend = fx.backend({ token: 't' });
    await expect(fx.join(backend, joinRequest('node-a'))).rejects.toThrow(/does not show it/);
    expect(fx.sim.state.lockDelayEnd(fx.memberKey('node-a'))).toBeUndefined();
    listable = true; // the operator fixes the policy
    await expect(fx.join(backend, joinRequest('node-a'))).resolves.toBeDefined();
  });
});
