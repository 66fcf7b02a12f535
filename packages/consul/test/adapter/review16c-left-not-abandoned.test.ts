import { afterEach, describe, expect, it } from 'vitest';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { joinRequest } from '../support/join-request.js';

/**
 * review16c: the session skeleton marks a Consul session abandoned as soon as its leave is sent
 * (session-skeleton.ts #leave, `abandon` after `revoke`), and Consul wires no `gone`, so a session
 * that left cleanly stays in the backend's abandoned set (OwnRegistrations, limit 64) for good.
 * fbbff79 added a session there only when its leave failed. 64 clean leaves now push out a session
 * this backend really walked away from (close()), and the rejoin of that id no longer destroys it at
 * once: it waits it out (up to 2×TTL, here 2 minutes) as if another process held the id.
 */
describe('review16c: clean Consul leaves do not crowd out an abandoned session', () => {
  let fx: AdapterFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('after close() and 64 clean leaves of other ids, the rejoin destroys the closed session at once', async () => {
    fx = await createAdapterFixture();
    const backend = fx.backend();
    // A long TTL: waiting the closed session out would take 2 minutes, so only a destroy lets the rejoin in.
    const ttl = { ttlMs: 60_000 };
    const first = await fx.join(backend, joinRequest('node-x', ttl));
    const closedSession = fx.sim.state.kv.get(fx.memberKey('node-x'))?.session;
    expect(closedSession).toBeDefined();
    first.close(); // core walked away (deadline passed): the backend remembers it as abandoned
    for (let i = 0; i < 64; i++) {
      const other = await fx.join(backend, joinRequest(`node-${i}`, ttl));
      await other.leave();
    }
    const before = fx.sim.requests.length;
    const controller = new AbortController();
    const rejoining = fx.join(backend, joinRequest('node-x', { ...ttl, signal: controller.signal }));
    // The rejoin either destroys the abandoned session (and joins) or starts waiting it out.
    let poll: ReturnType<typeof setInterval> | undefined;
    const outcome = await Promise.race([
      rejoining.then(() => 'joined'),
      new Promise<string>((resolve) => {
        poll = setInterval(() => {
          if (fx.sim.requests.slice(before).some((r) => r.path.includes('/v1/session/info/'))) {
            resolve('waiting it out');
          }
        }, 5);
      }),
    ]);
    clearInterval(poll);
    controller.abort();
    await rejoining.catch(() => undefined);
    expect(outcome).toBe('joined');
    expect(fx.sim.requests.some((r) => r.path === `/v1/session/destroy/${closedSession}`)).toBe(true);
  }, 60_000);
});
