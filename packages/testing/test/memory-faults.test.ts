import { BackendUnavailableError, SessionLostError } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createManualClock, createMemoryCluster } from '../src/index.js';
import { join, lostCauses, trackHolder, trackMembers } from './memory-helpers.js';

function setup() {
  const clock = createManualClock();
  const cluster = createMemoryCluster({ clock });
  return { clock, cluster };
}

describe('memory backend: fault injection', () => {
  it('expire(id): key and lock vanish now and the session reports lost exactly once', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    const b = await join(cluster.backend(), clock, { id: 'b' });
    const view = trackMembers(b);
    const lost = lostCauses(a);
    await a.lock?.tryAcquire();
    cluster.expire('a');
    await clock.flush();
    expect(view.ids()).toEqual(['b']);
    expect(cluster.lockHolder()).toBeNull();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(SessionLostError);
    // a late subscriber still hears of it
    const late = lostCauses(a);
    await clock.advance(10_000);
    expect(late).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(() => cluster.expire('a')).toThrow(/no live lease/);
  });

  it('partition(id): calls reject, renewals fail, the lease expires on the server by TTL', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' }, 3000);
    const b = await join(cluster.backend(), clock, { id: 'b' }, 3000);
    const view = trackMembers(b);
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    const lost = lostCauses(a);
    const token = await a.lock?.tryAcquire();
    await clock.advance(1000); // last acknowledged renewal of a: sent at 1000
    cluster.partition('a');
    await expect(a.lock?.tryAcquire()).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(a.lock?.release(token as bigint)).rejects.toThrow(/partitioned/);
    await expect(join(cluster.backend(), clock, { id: 'a' })).rejects.toBeInstanceOf(BackendUnavailableError);
    await clock.advance(2999);
    expect(a.deadline()).toBe(4000);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e instanceof BackendUnavailableError)).toBe(true);
    expect(view.ids()).toEqual(['a', 'b']);
    await clock.advance(1);
    expect(view.ids()).toEqual(['b']);
    expect(cluster.lockHolder()).toBeNull();
    expect(lost).toEqual([]); // a cannot hear it yet
    expect(a.deadline()).toBe(4000);
  });

  it('partition(id): the cut-off node misses watch events; heal() resyncs it and reports a lease lost meanwhile', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' }, 3000);
    const view = trackMembers(a);
    const holders = trackHolder(a);
    const lost = lostCauses(a);
    await clock.flush();
    cluster.partition('a');
    const b = await join(cluster.backend(), clock, { id: 'b' }, 3000);
    const token = await b.lock?.tryAcquire();
    await clock.advance(100);
    expect(view.ids()).toEqual(['a']);
    expect(holders).toEqual([null]);
    cluster.heal('a');
    await clock.flush();
    expect(view.ids()).toEqual(['a', 'b']);
    expect(view.events.at(-1)?.type).toBe('snapshot');
    expect(holders.at(-1)).toEqual({ id: 'b', token });
    expect(lost).toEqual([]);

    cluster.partition('a');
    await clock.advance(5000);
    expect(lost).toEqual([]);
    cluster.heal('a');
    await clock.flush();
    expect(lost).toHaveLength(1);
    expect(view.ids()).toEqual(['b']);
  });

  it('heal(): a node that watches nothing hears at once of a lease lost meanwhile, not at its next renewal', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' }, 3000);
    const lost = lostCauses(a);
    cluster.partition('a');
    await clock.advance(5000);
    expect(lost).toEqual([]);
    cluster.heal('a');
    await clock.flush(); // no time passes: no renewal is due
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(SessionLostError);
  });

  it('close() while its watch waits to resync (cut off) leaves nothing behind: no delivery after heal, no timer', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' }, 3000);
    const view = trackMembers(a);
    await clock.flush();
    cluster.partition('a');
    const b = await join(cluster.backend(), clock, { id: 'b' }, 3000); // dropped on the way to a
    await clock.advance(100);
    a.close();
    await b.leave();
    cluster.heal('a');
    await clock.flush();
    expect(view.events).toEqual([{ type: 'snapshot', members: [{ id: 'a' }] }]);
    await clock.advance(3000); // a's lease runs out by TTL
    expect(cluster.members()).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a partitioned node that leaves settles at once; its registration expires by TTL', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' }, 3000);
    cluster.partition('a');
    await a.leave();
    expect(cluster.members().map((m) => m.id)).toEqual(['a']);
    await clock.advance(3000);
    expect(cluster.members()).toEqual([]);
  });

  it('delay(ms): watch events arrive ms later on the clock, in order', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    cluster.delay(200);
    const view = trackMembers(a);
    await clock.advance(199);
    expect(view.events).toEqual([]);
    await clock.advance(1);
    expect(view.ids()).toEqual(['a']);
    await join(cluster.backend(), clock, { id: 'b' });
    await clock.advance(50);
    await join(cluster.backend(), clock, { id: 'c' });
    await clock.advance(150);
    expect(view.ids()).toEqual(['a', 'b']);
    await clock.advance(50);
    expect(view.ids()).toEqual(['a', 'b', 'c']);
    cluster.delay(0);
    await join(cluster.backend(), clock, { id: 'd' });
    await clock.flush();
    expect(view.ids()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('delay(ms, { node, jitter }): only that node is late, and jitter never reorders its stream', async () => {
    const clock = createManualClock();
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const cluster = createMemoryCluster({ clock, random });
    const slow = await join(cluster.backend(), clock, { id: 'slow' });
    const fast = await join(cluster.backend(), clock, { id: 'fast' });
    cluster.delay(500, { node: 'slow', jitter: true });
    const slowView = trackMembers(slow);
    const fastView = trackMembers(fast);
    for (const id of ['n1', 'n2', 'n3', 'n4', 'n5']) {
      const session = await join(cluster.backend(), clock, { id });
      await session.leave();
    }
    await clock.flush();
    expect(fastView.ids()).toEqual(['fast', 'slow']);
    expect(slowView.events).toEqual([]);
    await clock.advance(500);
    expect(slowView.ids()).toEqual(['fast', 'slow']);
    const order = slowView.events.map((e) =>
      e.type === 'snapshot' ? 'snapshot' : `${e.type}:${e.type === 'put' ? e.member.id : e.id}`,
    );
    expect(order).toEqual(
      fastView.events.map((e) =>
        e.type === 'snapshot' ? 'snapshot' : `${e.type}:${e.type === 'put' ? e.member.id : e.id}`,
      ),
    );
    expect(() => cluster.delay(-1)).toThrow(/finite number >= 0/);
  });

  it('latency(ms, { node }): the server acts at once, the answer reaches the node ms later', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    cluster.latency(100, { node: 'a' });
    let answer: bigint | null | undefined;
    void a.lock?.tryAcquire().then((token) => {
      answer = token;
    });
    await clock.flush();
    expect(cluster.lockHolder()?.id).toBe('a');
    expect(answer).toBeUndefined();
    await clock.advance(100);
    expect(answer).toBe(cluster.lockHolder()?.token);
    let joined = false;
    void join(cluster.backend(), clock, { id: 'b' }).then(() => {
      joined = true;
    });
    await clock.flush();
    expect(cluster.members().map((m) => m.id)).toEqual(['a', 'b']);
    expect(joined).toBe(true); // only node "a" is slow
    expect(() => cluster.latency(Number.NaN)).toThrow(/finite number >= 0/);
  });
});
