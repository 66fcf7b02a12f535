import { BackendUnavailableError, ConfigurationError, createElector } from '@election/core';
import { waitFor } from '@election/testing';
import { createTlsMaterial } from '@election/tools';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { createCaptureLogger } from '../support/capture-logger.js';
import { joinRequest } from '../support/join-request.js';

describe('join (against the Consul simulator)', () => {
  let fx: AdapterFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('creates one session (TTL, behavior delete, lock-delay = the TTL, serfHealth) and takes the member key with it', async () => {
    fx = await createAdapterFixture();
    const backend = fx.backend();
    await fx.join(backend, joinRequest({ id: 'node-a', priority: 2, meta: { zone: 'z1' } }));
    const [session, ...others] = fx.sim.state.allSessions();
    expect(others).toHaveLength(0);
    expect(session).toMatchObject({
      ttl: '10s',
      behavior: 'delete',
      lockDelayMs: 10_000,
      nodeChecks: ['serfHealth'],
    });
    const key = fx.sim.state.kv.get(fx.memberKey('node-a'));
    expect(key?.session).toBe(session?.id);
    expect(JSON.parse(key?.value?.toString() ?? '')).toEqual({
      id: 'node-a',
      priority: 2,
      meta: { zone: 'z1' },
    });
  });

  it('sessionChecks "none" sends an explicit empty check list: the session has no serfHealth check', async () => {
    fx = await createAdapterFixture();
    await fx.join(fx.backend({ sessionChecks: 'none', lockDelaySeconds: 0 }), joinRequest('node-a'));
    expect(fx.sim.state.allSessions()[0]).toMatchObject({ nodeChecks: [], lockDelayMs: 0 });
    const create = fx.sim.requests.find((r) => r.path === '/v1/session/create');
    expect(create).toBeDefined();
  });

  it('a TTL above 60 s without lockDelaySeconds fails the join with a ConfigurationError (lock-delay is capped at 60 s)', async () => {
    fx = await createAdapterFixture();
    await expect(fx.join(fx.backend(), joinRequest('node-a', { ttlMs: 61_000 }))).rejects.toThrow(
      /TTL of 61 s is longer than Consul's largest lock-delay/,
    );
    expect(fx.sim.state.allSessions()).toHaveLength(0);
    await fx.join(fx.backend({ lockDelaySeconds: 60 }), joinRequest('node-a', { ttlMs: 61_000 }));
    expect(fx.sim.state.allSessions()[0]?.lockDelayMs).toBe(60_000);
  });

  it('passes lockDelaySeconds to the session', async () => {
    fx = await createAdapterFixture();
    await fx.join(fx.backend({ lockDelaySeconds: 7 }), joinRequest('node-a'));
    expect(fx.sim.state.allSessions()[0]?.lockDelayMs).toBe(7_000);
  });

  it.each([5_000, 10_500, 86_401_000])(
    'core rejects a TTL of %d ms before the adapter touches Consul',
    async (ttlMs) => {
      fx = await createAdapterFixture();
      // The adapter declares its range in CONSUL_CAPABILITIES; core checks it once, for every backend.
      expect(() => createElector({ id: 'node-a', membership: fx.backend(), ttlMs })).toThrow(
        ConfigurationError,
      );
      expect(fx.sim.requests).toHaveLength(0);
    },
  );

  it('rejoining through the same backend clears a session it walked away from (close) instead of waiting 2×TTL', async () => {
    fx = await createAdapterFixture();
    const backend = fx.backend();
    const first = await fx.join(backend, joinRequest('node-a'));
    const abandoned = fx.sim.state.kv.get(fx.memberKey('node-a'))?.session;
    first.close();
    await fx.join(backend, joinRequest('node-a'));
    const now = fx.sim.state.kv.get(fx.memberKey('node-a'))?.session;
    expect(now).toBeDefined();
    expect(now).not.toBe(abandoned);
    expect(fx.sim.state.session(abandoned ?? '')).toBeUndefined();
    // Another backend (another process) gets no such favour: see same-id.test.ts.
  });

  it('a session it walked away from while leading (close) is known not to lead: both its keys are deleted before the destroy, so the leader key is free at once (unlike takeover)', async () => {
    fx = await createAdapterFixture();
    const backend = fx.backend();
    const first = await fx.join(backend, joinRequest('node-a'));
    expect(await first.lock.tryAcquire()).not.toBeNull();
    first.close();
    const next = await fx.join(backend, joinRequest('node-a'));
    expect(fx.sim.state.lockDelayEnd(fx.leaderKey)).toBeUndefined();
    expect(fx.sim.state.lockDelayEnd(fx.memberKey('node-a'))).toBeUndefined();
    expect(await next.lock.tryAcquire()).not.toBeNull();
  });

  it("while the previous holder's lock-delay runs, join fails as unavailable (core retries), then succeeds", async () => {
    fx = await createAdapterFixture();
    const first = await fx.join(fx.backend({ lockDelaySeconds: 1 }), joinRequest('node-a'));
    first.close();
    const old = fx.sim.state.kv.get(fx.memberKey('node-a'))?.session ?? '';
    await fx.admin.session.destroy(old);
    const other = fx.backend();
    const early = other.join(joinRequest('node-a'));
    await expect(early).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(early).rejects.toThrow(/lock-delay/);
    expect(fx.sim.state.allSessions()).toHaveLength(0);
    await waitFor(
      async () => {
        try {
          await fx.join(other, joinRequest('node-a'));
          return true;
        } catch (error) {
          if (!(error instanceof BackendUnavailableError)) throw error;
          return false;
        }
      },
      { timeoutMs: 3_000, stepMs: 100, message: 'node-a to join once the lock-delay ran out' },
    );
  });

  it('Consul down: rejects quickly with BackendUnavailableError', async () => {
    fx = await createAdapterFixture();
    await fx.sim.stop();
    const from = performance.now();
    const joining = fx.backend().join(joinRequest('node-a'));
    await expect(joining).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(joining).rejects.toThrow(/^\[@election\/consul\] Could not create a session/);
    expect(performance.now() - from).toBeLessThan(1_000);
  });

  it('a wrong ACL token is a ConfigurationError naming the ACL, and the token appears nowhere', async () => {
    fx = await createAdapterFixture({ aclToken: 'the-right-token' });
    const logger = createCaptureLogger();
    const joining = fx.backend({ token: 'super-secret-wrong-token' }).join(joinRequest('node-a', { logger }));
    await expect(joining).rejects.toBeInstanceOf(ConfigurationError);
    const error = (await joining.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/403.*Permission denied.*ACL token/);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('super-secret');
    expect(String((error as { cause?: unknown }).cause)).not.toContain('super-secret');
    expect(Object.keys((error as { cause?: object }).cause ?? {})).not.toContain('response');
    expect(logger.text()).not.toContain('super-secret');
  });

  it('an unknown datacenter is a ConfigurationError', async () => {
    fx = await createAdapterFixture({ datacenter: 'dc1' });
    const joining = fx.backend({ datacenter: 'elsewhere' }).join(joinRequest('node-a'));
    await expect(joining).rejects.toThrow(/no such datacenter/);
  });

  it('an aborted join rejects and leaves no session behind', async () => {
    fx = await createAdapterFixture();
    const controller = new AbortController();
    controller.abort(new Error('gave up'));
    await expect(fx.backend().join(joinRequest('node-a', { signal: controller.signal }))).rejects.toThrow(
      'gave up',
    );
    expect(fx.sim.state.allSessions()).toHaveLength(0);
  });
});

describe('HTTPS with a CA (against the Consul simulator serving TLS)', () => {
  it('joins over HTTPS when given the CA, and fails as unavailable without it', async () => {
    const tls = await createTlsMaterial();
    const fx = await createAdapterFixture({ tls: { cert: tls.cert, key: tls.key } });
    try {
      await fx.join(fx.backend({ secure: true, ca: tls.ca }), joinRequest('node-a'));
      expect(fx.sim.state.kv.get(fx.memberKey('node-a'))?.session).toBeDefined();
      const untrusted = fx.backend({ secure: true }).join(joinRequest('node-b'));
      await expect(untrusted).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(untrusted).rejects.toThrow(/certificate/);
    } finally {
      await fx.cleanup();
    }
  });
});
