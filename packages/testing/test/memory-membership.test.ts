import { createElector, DuplicateMemberError, silentLogger } from '@election/core';
import { describe, expect, it } from 'vitest';
import { createManualClock, createMemoryCluster } from '../src/index.js';
import { join, lostCauses, trackMembers } from './memory-helpers.js';

function setup() {
  const clock = createManualClock(10_000);
  const cluster = createMemoryCluster({ clock });
  return { clock, cluster };
}

describe('memory backend: membership', () => {
  it('advertises its name and default capabilities, and honours overrides', () => {
    const { cluster } = setup();
    const backend = cluster.backend();
    expect(backend.name).toBe('memory');
    expect(backend.capabilities).toEqual({
      lock: true,
      minTtlMs: 1000,
      maxTtlMs: 3_600_000,
      wholeSecondTtl: false,
      defaultTtlMs: 5000,
    });
    const noLock = createMemoryCluster({ clock: createManualClock(), capabilities: { lock: false } });
    expect(noLock.backend().capabilities.lock).toBe(false);
  });

  it('registers members, delivers a snapshot first and then put/delete deltas, asynchronously', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a', priority: 1, meta: { zone: 'x' } });
    const view = trackMembers(a);
    expect(view.events).toEqual([]); // never inside the subscribing call
    await clock.flush();
    expect(view.events).toEqual([
      { type: 'snapshot', members: [{ id: 'a', priority: 1, meta: { zone: 'x' } }] },
    ]);
    const b = await join(cluster.backend(), clock, { id: 'b' });
    await clock.flush();
    expect(view.events.at(-1)).toEqual({ type: 'put', member: { id: 'b' } });
    await b.leave();
    await clock.flush();
    expect(view.events.at(-1)).toEqual({ type: 'delete', id: 'b' });
    expect(view.ids()).toEqual(['a']);
    expect(cluster.members().map((m) => m.id)).toEqual(['a']);
  });

  it('rejects a duplicate id with DuplicateMemberError while the first holder keeps it', async () => {
    const { clock, cluster } = setup();
    const first = await join(cluster.backend(), clock, { id: 'a', meta: { who: 'first' } });
    const second = join(cluster.backend(), clock, { id: 'a', meta: { who: 'second' } }).catch(
      (e: unknown) => e,
    );
    // The second join waits to see whether the holder's lease is renewed; the first renews it.
    await clock.advance(1000);
    const error = await second;
    expect(error).toBeInstanceOf(DuplicateMemberError);
    expect((error as DuplicateMemberError).memberId).toBe('a');
    expect(String(error)).toMatch(
      /^DuplicateMemberError: \[@election\/testing\] Member id "a" is already registered/,
    );
    await clock.advance(10_000);
    expect(cluster.members()).toEqual([{ id: 'a', meta: { who: 'first' } }]);
    expect(first.deadline()).toBeGreaterThan(clock.now());
  });

  it('renews every ttl/3: deadline = send time of the last acknowledged renewal + ttl', async () => {
    const { clock, cluster } = setup();
    const session = await join(cluster.backend(), clock, { id: 'a' }, 3000);
    expect(session.deadline()).toBe(13_000);
    await clock.advance(999);
    expect(session.deadline()).toBe(13_000);
    await clock.advance(1);
    expect(session.deadline()).toBe(14_000);
    await clock.advance(60_000);
    expect(session.deadline()).toBe(clock.now() + 3000);
    expect(cluster.members().map((m) => m.id)).toEqual(['a']);
  });

  it('close() stops renewing but leaves the registration to expire by TTL on the clock', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' }, 3000);
    const observer = await join(cluster.backend(), clock, { id: 'o', observer: true }, 3000);
    const view = trackMembers(observer);
    await clock.advance(1000); // a renewed at 11_000, so its lease runs until 14_000
    a.close();
    a.close();
    await clock.advance(2999);
    expect(view.ids()).toEqual(['a', 'o']);
    await clock.advance(1);
    expect(view.ids()).toEqual(['o']);
    expect(cluster.liveLeases()).toBe(1);
    // the id is free again once the lease has expired
    await expect(join(cluster.backend(), clock, { id: 'a' })).resolves.toBeDefined();
  });

  it('leave() deletes the member key and revokes the lease at once, idempotently', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    const lost = lostCauses(a);
    await a.leave();
    await a.leave();
    expect(cluster.members()).toEqual([]);
    expect(cluster.liveLeases()).toBe(0);
    await clock.advance(10_000);
    expect(lost).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('TTLs outside its capabilities are refused by core; it refuses an aborted join, a foreign clock and a closed backend', async () => {
    const { clock, cluster } = setup();
    const backend = cluster.backend();
    // The TTL is core's to check against the capabilities, once for every backend.
    expect(() => createElector({ id: 'a', membership: backend, clock, ttlMs: 500 })).toThrow(
      /ttlMs 500 is outside/,
    );
    const whole = createMemoryCluster({ clock, capabilities: { wholeSecondTtl: true } });
    expect(() => createElector({ id: 'a', membership: whole.backend(), clock, ttlMs: 1500 })).toThrow(
      /not a whole number of seconds/,
    );
    await expect(join(backend, createManualClock(), { id: 'a' })).rejects.toThrow(/different clocks/);
    const aborted = new AbortController();
    aborted.abort(new Error('gave up'));
    const request = { member: { id: 'a' }, ttlMs: 3000, clock, logger: silentLogger, takeover: false };
    await expect(backend.join({ ...request, signal: aborted.signal })).rejects.toThrow('gave up');
    await backend.close();
    await expect(join(backend, clock, { id: 'a' })).rejects.toThrow(/closed memory backend/);
    expect(cluster.members()).toEqual([]);
  });

  it('backend.close() closes its sessions, which then expire by TTL; dispose() cancels every timer', async () => {
    const { clock, cluster } = setup();
    const backend = cluster.backend();
    await join(backend, clock, { id: 'a' }, 2000);
    await backend.close();
    await backend.close();
    await clock.advance(1999);
    expect(cluster.members().map((m) => m.id)).toEqual(['a']);
    await clock.advance(1);
    expect(cluster.members()).toEqual([]);
    await join(cluster.backend(), clock, { id: 'b' });
    cluster.dispose();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports a throwing watch listener through onError instead of swallowing it', async () => {
    const { clock, cluster } = setup();
    const a = await join(cluster.backend(), clock, { id: 'a' });
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    a.watchMembers(() => {
      throw new Error('listener bug');
    });
    await clock.flush();
    expect(errors.map((e) => e.message)).toEqual(['listener bug']);
  });
});
