import { isElectionError, LifecycleError, SessionLostError } from '@election/core';
import { waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsulSession } from '../../src/session.js';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { joinRequest } from '../support/join-request.js';

/**
 * The Consul session once it stopped being active: a lost session stays lost when closed or left
 * (its lock says SESSION_LOST, its leave sends nothing), and the class and message of each error
 * (part of the API; found by the review of the adapter skeleton, issue 16).
 */
describe('Consul session: a lost session stays lost, and the errors of an ended session', () => {
  let fx: AdapterFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  /** A session whose member key was deleted behind its back: lost, and its Consul session destroyed. */
  async function lostSession(): Promise<ConsulSession> {
    const session = await fx.join(fx.backend(), joinRequest('node-a'));
    const id = fx.sim.state.kv.get(fx.memberKey('node-a'))?.session ?? '';
    const lost: Error[] = [];
    session.onLost((cause) => lost.push(cause));
    await fx.admin.kv.del(fx.memberKey('node-a'));
    await waitFor(() => lost.length > 0 && fx.sim.state.session(id) === undefined, {
      timeoutMs: 2_000,
      message: 'onLost and the session destroyed',
    });
    return session;
  }

  it('update() on a lost session rejects with INVALID_STATE (LifecycleError) and the old message', async () => {
    fx = await createAdapterFixture();
    const session = await lostSession();
    const error = await session.update({ id: 'node-a', priority: 5 }).catch((e: unknown) => e);
    expect(isElectionError(error, 'INVALID_STATE')).toBe(true);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toContain('update() on a Consul session that was lost; join again.');
  });

  it('update() on a closed session: the old message', async () => {
    fx = await createAdapterFixture();
    const session = await fx.join(fx.backend(), joinRequest('node-a'));
    session.close();
    const error = await session.update({ id: 'node-a', priority: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toContain('update() on a Consul session that was closed; join again.');
  });

  it('the lock of a lost session that was then closed still says SESSION_LOST', async () => {
    fx = await createAdapterFixture();
    const session = await lostSession();
    session.close();
    const error = await session.lock.tryAcquire().catch((e: unknown) => e);
    expect(isElectionError(error, 'SESSION_LOST')).toBe(true);
    expect(error).toBeInstanceOf(SessionLostError);
  });

  it('the lock of a lost session that was then left still says SESSION_LOST', async () => {
    fx = await createAdapterFixture();
    const session = await lostSession();
    await session.leave();
    const error = await session.lock.tryAcquire().catch((e: unknown) => e);
    expect(isElectionError(error, 'SESSION_LOST')).toBe(true);
    expect((error as Error).message).toContain('this Consul session is lost; join again.');
  });

  it('the lock of a closed session: INVALID_STATE with the old message', async () => {
    fx = await createAdapterFixture();
    const session = await fx.join(fx.backend(), joinRequest('node-a'));
    session.close();
    const error = await session.lock.tryAcquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toContain('this Consul session was closed; join again.');
  });

  it('leave() of a lost session that was closed sends nothing to Consul', async () => {
    fx = await createAdapterFixture();
    const session = await lostSession();
    session.close();
    const before = fx.sim.requests.length;
    await session.leave().catch(() => undefined);
    const sent = fx.sim.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(sent).toEqual([]);
  });

  it('join() on a closed backend: the old message', async () => {
    fx = await createAdapterFixture();
    const backend = fx.backend();
    await backend.close();
    const error = await backend.join(joinRequest('node-a')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LifecycleError);
    expect((error as Error).message).toContain(
      'this Consul membership backend was closed; create a new one to join.',
    );
  });
});
