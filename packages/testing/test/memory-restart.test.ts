import { DuplicateMemberError, silentLogger } from '@election/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createManualClock,
  createMemoryCluster,
  type ManualClock,
  type MemoryCluster,
} from '../src/index.js';
import { join } from './memory-helpers.js';

/**
 * A node restarted under its own id (the backend contract's join rule): the registration its
 * crashed process left is waited out, or revoked at once with `takeover`; only a holder that keeps
 * renewing is a duplicate.
 */
describe('memory backend: same-id restart', () => {
  let cluster: MemoryCluster | undefined;
  afterEach(() => cluster?.dispose());

  function setup(): { clock: ManualClock; cluster: MemoryCluster } {
    const clock = createManualClock();
    cluster = createMemoryCluster({ clock });
    return { clock, cluster };
  }

  it('waits out the crashed registration of its own id, then joins on a fresh lease', async () => {
    const { clock, cluster } = setup();
    const crashed = await join(cluster.backend(), clock, { id: 'a', meta: { run: '1' } }, 3000);
    crashed.close(); // walks away: the lease stays until its TTL runs out
    const joinedAt: number[] = [];
    const restarted = join(cluster.backend(), clock, { id: 'a', meta: { run: '2' } }, 3000).then((s) => {
      joinedAt.push(clock.now());
      return s;
    });
    await clock.advance(2900);
    expect(joinedAt).toEqual([]);
    expect(cluster.members()).toEqual([{ id: 'a', meta: { run: '1' } }]);
    await clock.advance(600); // the old lease expired at 3000; the next reading sees it gone
    const session = await restarted;
    expect(joinedAt[0]).toBeGreaterThanOrEqual(3000);
    expect(joinedAt[0]).toBeLessThanOrEqual(3500);
    expect(cluster.members()).toEqual([{ id: 'a', meta: { run: '2' } }]);
    expect(session.deadline()).toBeGreaterThan(clock.now());
    expect(cluster.liveLeases()).toBe(1);
  });

  it('with takeover, revokes the previous registration (and its lock) and joins at once', async () => {
    const { clock, cluster } = setup();
    const crashed = await join(cluster.backend(), clock, { id: 'a', meta: { run: '1' } }, 3000);
    expect(await crashed.lock?.tryAcquire()).not.toBeNull();
    crashed.close();
    const session = await cluster.backend().join({
      member: { id: 'a', meta: { run: '2' } },
      ttlMs: 3000,
      clock,
      logger: silentLogger,
      signal: new AbortController().signal,
      takeover: true,
    });
    expect(clock.now()).toBe(0);
    expect(cluster.members()).toEqual([{ id: 'a', meta: { run: '2' } }]);
    expect(cluster.lockHolder()).toBeNull();
    expect(cluster.liveLeases()).toBe(1);
    const token = await session.lock?.tryAcquire();
    expect(token).toBeGreaterThan(cluster.fencedTokens()[0] ?? 0n);
  });

  it('gives up the wait when its signal aborts, and registers nothing', async () => {
    const { clock, cluster } = setup();
    (await join(cluster.backend(), clock, { id: 'a' }, 3000)).close();
    const controller = new AbortController();
    const restarted = cluster
      .backend()
      .join({
        member: { id: 'a' },
        ttlMs: 3000,
        clock,
        logger: silentLogger,
        signal: controller.signal,
        takeover: false,
      })
      .catch((e: unknown) => e);
    await clock.advance(1000);
    controller.abort(new Error('gave up'));
    expect(String(await restarted)).toBe('Error: gave up');
    await clock.advance(5000);
    expect(cluster.members()).toEqual([]);
  });

  it('fails with DuplicateMemberError once the holder renews while it waits', async () => {
    const { clock, cluster } = setup();
    await join(cluster.backend(), clock, { id: 'a' }, 3000);
    const second = join(cluster.backend(), clock, { id: 'a' }, 3000).catch((e: unknown) => e);
    await clock.advance(1500); // the live holder renews at 1000
    const error = await second;
    expect(error).toBeInstanceOf(DuplicateMemberError);
    expect(String(error)).toMatch(/renewed while this node waited/);
  });
});
