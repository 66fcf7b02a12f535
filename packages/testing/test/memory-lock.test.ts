import { describe, expect, it } from 'vitest';
import { createManualClock, createMemoryCluster } from '../src/index.js';
import { join, trackHolder } from './memory-helpers.js';

function setup() {
  const clock = createManualClock();
  const cluster = createMemoryCluster({ clock });
  return { clock, cluster };
}

describe('memory backend: leader lock', () => {
  it('is absent when the capability is off', async () => {
    const clock = createManualClock();
    const cluster = createMemoryCluster({ clock, capabilities: { lock: false } });
    const session = await join(cluster.backend(), clock, { id: 'a' });
    expect(session.lock).toBeUndefined();
  });

  it('goes to one session at a time; the holder gets its own token back', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    const b = await join(cluster.backend(), clock, { id: 'b' });
    const token = await a.lock?.tryAcquire();
    expect(typeof token).toBe('bigint');
    await expect(a.lock?.tryAcquire()).resolves.toBe(token);
    await expect(b.lock?.tryAcquire()).resolves.toBeNull();
    await b.lock?.release(token as bigint); // not the holder: no effect
    expect(cluster.lockHolder()).toEqual({ id: 'a', token });
  });

  it('hands out tokens from the revision counter: strictly increasing across holders', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    const b = await join(cluster.backend(), clock, { id: 'b' });
    const tokens: bigint[] = [];
    for (let round = 0; round < 3; round++) {
      for (const session of [a, b]) {
        const token = await session.lock?.tryAcquire();
        if (typeof token !== 'bigint') throw new Error('expected the free lock to be taken');
        tokens.push(token);
        expect(cluster.revision()).toBe(token);
        await session.lock?.release(token - 1n); // a stale token: no effect
        expect(cluster.revision()).toBe(token);
        await session.lock?.release(token);
        expect(cluster.revision()).toBeGreaterThan(token);
      }
    }
    expect(cluster.fencedTokens()).toEqual(tokens);
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as bigint);
    expect(cluster.lockHistory().map((grant) => grant.id)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it("watchHolder: each holder comes with the revision it is the state at, on the tokens' scale", async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    const seen: { holder: unknown; revision: bigint | undefined }[] = [];
    a.lock?.watchHolder((holder, revision) => seen.push({ holder, revision }));
    await clock.advance(0);
    const token = (await a.lock?.tryAcquire()) as bigint;
    await a.lock?.release(token);
    await clock.advance(0);
    const [before, held, freed] = seen;
    expect(before?.holder).toBeNull();
    expect(before?.revision).toBeLessThan(token); // the state before the holding: not its end
    expect(held).toEqual({ holder: { id: 'a', token }, revision: token });
    expect(freed?.holder).toBeNull();
    expect(freed?.revision).toBeGreaterThan(token);
  });

  it('is bound to the lease: released when the holder leaves, crashes (after TTL) or expires', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' }, 3000);
    await a.lock?.tryAcquire();
    await a.leave();
    expect(cluster.lockHolder()).toBeNull();

    const b = await join(cluster.backend(), clock, { id: 'b' }, 3000);
    await b.lock?.tryAcquire();
    b.close();
    await clock.advance(2999);
    expect(cluster.lockHolder()?.id).toBe('b');
    await clock.advance(1);
    expect(cluster.lockHolder()).toBeNull();

    const c = await join(cluster.backend(), clock, { id: 'c' }, 3000);
    await c.lock?.tryAcquire();
    cluster.expire('c');
    expect(cluster.lockHolder()).toBeNull();
    await expect(c.lock?.tryAcquire()).rejects.toThrow(/lease of "c" has expired/);
  });

  it('watchHolder delivers the current holder first, then every change', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    const b = await join(cluster.backend(), clock, { id: 'b' });
    const first = await a.lock?.tryAcquire();
    const seen = trackHolder(b);
    await clock.flush();
    expect(seen).toEqual([{ id: 'a', token: first }]);
    await a.lock?.release(first as bigint);
    const second = await b.lock?.tryAcquire();
    await clock.flush();
    expect(seen).toEqual([{ id: 'a', token: first }, null, { id: 'b', token: second }]);
  });

  it('refuses lock calls on a closed session but lets release() be a no-op there', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    a.close();
    await expect(a.lock?.tryAcquire()).rejects.toThrow(/closed session/);
    await expect(a.lock?.release(1n)).resolves.toBeUndefined();
  });
});
