import { type LockHolder, MalformedEntryError, SessionLostError } from '@election/core';
import { waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdapterFixture, createAdapterFixture } from '../support/adapter-fixture.js';
import { createCaptureLogger } from '../support/capture-logger.js';
import { joinRequest } from '../support/join-request.js';

describe('leader lock (against the Consul simulator)', () => {
  let fx: AdapterFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it("the fencing token is the leader key's ModifyIndex at acquisition; the holder gets it back", async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend(), joinRequest('node-a'));
    const b = await fx.join(fx.backend(), joinRequest('node-b'));
    const token = await a.lock?.tryAcquire();
    expect(token).toBe(BigInt(fx.sim.state.kv.get(fx.leaderKey)?.modifyIndex ?? -1));
    expect(await a.lock?.tryAcquire()).toBe(token);
    expect(await b.lock?.tryAcquire()).toBeNull();
    // node-b names node-a's token: this session does not hold it, so nothing is deleted.
    await b.lock?.release(token ?? 0n);
    expect(fx.sim.state.kv.get(fx.leaderKey)?.session).toBeDefined();
    expect(fx.sim.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  it('tokens keep growing when the leader key is deleted and re-created', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend(), joinRequest('node-a'));
    const b = await fx.join(fx.backend(), joinRequest('node-b'));
    const first = (await a.lock?.tryAcquire()) ?? 0n;
    await a.lock?.release(first);
    await fx.admin.kv.del(fx.leaderKey);
    const second = (await b.lock?.tryAcquire()) ?? 0n;
    expect(second).toBeGreaterThan(first);
    await fx.admin.kv.del(fx.leaderKey); // deleted under the holder: a new holding, a new token
    const third = (await b.lock?.tryAcquire()) ?? 0n;
    expect(third).toBeGreaterThan(second);
  });

  it('a stale release (an earlier holding of the same session) cannot delete a newer holding', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend(), joinRequest('node-a'));
    const first = (await a.lock?.tryAcquire()) ?? 0n;
    await a.lock?.release(first);
    expect(fx.sim.state.kv.get(fx.leaderKey)).toBeUndefined();
    const second = (await a.lock?.tryAcquire()) ?? 0n;
    expect(second).toBeGreaterThan(first);
    // The first release again, as if its request had timed out and reached Consul only now.
    await a.lock?.release(first);
    expect(fx.sim.state.kv.get(fx.leaderKey)?.modifyIndex).toBe(Number(second));
    expect(await a.lock?.tryAcquire()).toBe(second);
    const stale = fx.sim.requests.filter((r) => r.method === 'DELETE').at(-1);
    expect(stale?.query.get('cas')).toBe(first.toString());
    // Its own token does release it.
    await a.lock?.release(second);
    expect(fx.sim.state.kv.get(fx.leaderKey)).toBeUndefined();
  });

  it('release(token) also frees a holding the lock never answered for (core learns its token from the holder watch)', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend(), joinRequest('node-a'));
    const sessionA = fx.sim.state.allSessions()[0]?.id ?? '';
    // An acquisition whose answer was lost: the key is held by node-a's session all the same.
    expect(await fx.admin.kv.set({ key: fx.leaderKey, value: '{"id":"node-a"}', acquire: sessionA })).toBe(
      true,
    );
    const orphan = BigInt(fx.sim.state.kv.get(fx.leaderKey)?.modifyIndex ?? -1);
    await a.lock.release(orphan);
    expect(fx.sim.state.kv.get(fx.leaderKey)).toBeUndefined();
  });

  it('watchHolder: the current holder first, then every change, with the same token the holder got', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend(), joinRequest('node-a'));
    const b = await fx.join(fx.backend(), joinRequest('node-b'));
    const seen: LockHolder[] = [];
    b.lock?.watchHolder((holder) => seen.push(holder));
    await waitFor(() => seen.length === 1, { timeoutMs: 2_000, message: 'the initial holder' });
    expect(seen[0]).toBeNull();
    const token = await a.lock?.tryAcquire();
    await waitFor(() => seen.length === 2, { timeoutMs: 2_000, message: 'node-a as holder' });
    expect(seen[1]).toEqual({ id: 'node-a', token });
    await a.lock?.release(token ?? 0n);
    await waitFor(() => seen.length === 3, { timeoutMs: 2_000, message: 'no holder' });
    expect(seen[2]).toBeNull();
  });

  it('watchHolder: each holder comes with the X-Consul-Index of its snapshot (a deletion by hand at or after the token)', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend(), joinRequest('node-a'));
    const seen: { holder: LockHolder; revision: bigint | undefined }[] = [];
    a.lock?.watchHolder((holder, revision) => seen.push({ holder, revision }));
    await waitFor(() => seen.length === 1, { timeoutMs: 2_000, message: 'the initial holder' });
    const token = (await a.lock?.tryAcquire()) as bigint;
    await waitFor(() => seen.some((e) => e.holder !== null), { timeoutMs: 2_000, message: 'the holding' });
    await fx.admin.kv.del(fx.leaderKey); // an operator, by hand
    await waitFor(() => seen.at(-1)?.holder === null, { timeoutMs: 2_000, message: 'the deletion' });
    const before = seen[0];
    const held = seen.find((e) => e.holder !== null);
    const deleted = seen.at(-1);
    expect(before?.holder).toBeNull();
    expect(before?.revision).toBeLessThan(token); // the state before the holding: not its end
    expect(held?.holder).toEqual({ id: 'node-a', token });
    expect(held?.revision).toBeGreaterThanOrEqual(token);
    expect(deleted?.revision).toBeGreaterThan(token); // tells core the holding is gone
  });

  it('tryAcquire with a session Consul no longer knows: SessionLostError, and onLost fires', async () => {
    fx = await createAdapterFixture();
    const a = await fx.join(fx.backend({ watchWaitSeconds: 600 }), joinRequest('node-a'));
    const lost: Error[] = [];
    a.onLost((cause) => lost.push(cause));
    // Consul forgets the session but its member key stays as it was (a state the watch alone
    // would not flag): the acquire is what notices.
    fx.sim.state.restore({ ...fx.sim.state.snapshot(), sessions: new Map() });
    await expect(a.lock?.tryAcquire()).rejects.toBeInstanceOf(SessionLostError);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(SessionLostError);
  });

  it('a locked leader key whose value names nobody is skipped (no holder) and logged once', async () => {
    fx = await createAdapterFixture();
    const logger = createCaptureLogger();
    const a = await fx.join(fx.backend(), joinRequest('node-a', { logger }));
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    const { ID } = await fx.admin.session.create({ ttl: '30s' });
    await fx.admin.kv.set({ key: fx.leaderKey, value: 'not json', acquire: ID });
    const seen: LockHolder[] = [];
    a.lock?.watchHolder((holder) => seen.push(holder));
    await fx.join(fx.backend(), joinRequest('node-b')); // another change: the junk is seen again
    await waitFor(() => errors.length > 0, {
      timeoutMs: 2_000,
      message: 'the malformed leader key reported',
    });
    expect(errors[0]).toBeInstanceOf(MalformedEntryError);
    expect(seen.every((holder) => holder === null)).toBe(true);
    expect(await a.lock?.tryAcquire()).toBeNull();
    expect(logger.records.filter((r) => r.level === 'warn' && /leader key/.test(r.msg ?? ''))).toHaveLength(
      1,
    );
  });
});
