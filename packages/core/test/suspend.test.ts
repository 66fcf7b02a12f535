import { describe, expect, it } from 'vitest';
import { createElector, type ElectorEvent } from '../src/index.js';
import { member } from './support/fixtures.js';
import { createTestClockPair } from './support/manual-clock.js';
import { createScriptedBackend } from './support/scripted-backend.js';

/**
 * Issue 19, defect 5: performance.now() (CLOCK_MONOTONIC on Linux) stands still while the machine
 * is suspended. A leader suspended past its lease must not wake up believing its deadline is ahead.
 * The scripted backend is a custom adapter (its deadline does not come from the kit's renewal loop),
 * so this is the elector's own wall-clock check; the kit's is tested in adapter-kit.test.ts.
 */

async function leaderOnClockPair() {
  const clock = createTestClockPair();
  const backend = createScriptedBackend();
  const elector = createElector({
    id: 'b',
    membership: backend,
    clock,
    ttlMs: 3000, // margin 300 ms, deadline poll every 300 ms
    backoff: { random: () => 0.5 },
  });
  const events: ElectorEvent[] = [];
  elector.subscribe((event) => events.push(event));
  await elector.start();
  const session = backend.sessions[0]!;
  session.acquireWith = async () => 2n;
  session.emit({ type: 'snapshot', members: [member('b')] });
  await clock.advance(1);
  session.setHolder({ id: 'b', token: 2n });
  expect(elector.state.isLeader).toBe(true);
  return { clock, elector, events, session };
}

describe('a leader suspended past its lease (defect 5)', () => {
  it('is no leader on the first read after waking: the held snapshot and the fresh state', async () => {
    const { clock, elector, events } = await leaderOnClockPair();
    const held = elector.state;
    clock.suspend(10_000); // 10 s asleep: the monotonic clock did not move, the wall clock did
    expect(held.isLeader).toBe(false); // before: true, the lease long gone at the backend
    expect(elector.state.isLeader).toBe(false);
    expect(events).toContainEqual({ type: 'demoted', reason: 'deadline', term: 2n });
    await elector.stop();
  });

  it('is demoted by the next deadline poll after waking, without anybody reading the state', async () => {
    const { clock, elector, events } = await leaderOnClockPair();
    clock.suspend(10_000);
    // The deadline timer alone would fire 2.7 s of awake time later; the leader's poll within 300 ms.
    await clock.advance(300);
    expect(events).toContainEqual({ type: 'demoted', reason: 'deadline', term: 2n });
    expect(elector.state.reason).toMatchObject({ kind: 'backend-unreachable' });
    await elector.stop();
  });

  it('leads again, same term, once a renewal sent after waking is acknowledged and the lock confirmed', async () => {
    const { clock, elector, events, session } = await leaderOnClockPair();
    clock.suspend(10_000);
    await clock.advance(300);
    expect(elector.state.isLeader).toBe(false);
    session.renew(clock.now() + 3000); // acknowledged: the registration survived (Consul's 2×TTL)
    await clock.advance(300);
    expect(elector.state).toMatchObject({ isLeader: true, term: 2n });
    expect(events.filter((event) => event.type === 'elected')).toHaveLength(2);
    await elector.stop();
  });

  it('a suspend shorter than the time left is just time gone by', async () => {
    const { clock, elector, events, session } = await leaderOnClockPair();
    session.renew(clock.now() + 3000); // leads until 2700 ms from now, by both clocks
    await clock.advance(300); // the leader's poll reads the new deadline (a custom adapter's
    // deadline counts on the wall clock from then; the kit's from the renewal's send time)
    clock.suspend(1000);
    expect(elector.state.isLeader).toBe(true);
    await clock.advance(1000); // 2300 ms gone by
    expect(events.filter((event) => event.type === 'demoted')).toEqual([]);
    await clock.advance(500); // 2800 ms gone by, but only 1800 ms on the monotonic clock
    expect(events).toContainEqual({ type: 'demoted', reason: 'deadline', term: 2n });
    await elector.stop();
  });

  it('a wall clock stepped back changes nothing: the monotonic clock decides', async () => {
    const { clock, elector, events, session } = await leaderOnClockPair();
    clock.stepWall(-3_600_000);
    for (let i = 0; i < 10; i++) {
      session.renew(clock.now() + 3000);
      await clock.advance(1000);
    }
    expect(elector.state.isLeader).toBe(true);
    expect(events.filter((event) => event.type === 'demoted')).toEqual([]);
    await clock.advance(3000); // renewals stop: demoted on the monotonic deadline, as ever
    expect(events).toContainEqual({ type: 'demoted', reason: 'deadline', term: 2n });
    await elector.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
