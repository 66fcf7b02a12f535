import { describe, expect, it } from 'vitest';
import { createElector, type ElectionState, type ElectorEvent } from '../src/index.js';
import { member } from './support/fixtures.js';
import { createTestClockPair, type TestClockPair } from './support/manual-clock.js';
import { createScriptedBackend, type ScriptedBackend } from './support/scripted-backend.js';

/**
 * Issue 19, defect 5: performance.now() (CLOCK_MONOTONIC on Linux) stands still while the machine
 * is suspended. A leader suspended past its lease must not wake up believing its deadline is ahead.
 * The scripted backend is a custom adapter (its deadline does not come from the kit's renewal loop),
 * so this is the elector's own wall-clock check; the kit's is tested in adapter-kit.test.ts.
 */

/** A started elector on a clock pair whose view elects it and whose lock answers 2. */
async function candidateOnClockPair(
  prepare: (backend: ScriptedBackend, clock: TestClockPair) => void = () => {},
) {
  const clock = createTestClockPair();
  const backend = createScriptedBackend();
  prepare(backend, clock);
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
  return { clock, elector, events, session };
}

async function leaderOnClockPair() {
  const started = await candidateOnClockPair();
  started.session.setHolder({ id: 'b', token: 2n });
  expect(started.elector.state.isLeader).toBe(true);
  return started;
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

/** Review of issue 19 defect 5 (suspend-safe deadlines): holes found by an adversarial review. */

describe('review: a snapshot taken after a suspend', () => {
  it('a members event delivered first after waking carries a state that says leader, lease long gone', async () => {
    const { clock, elector, session } = await leaderOnClockPair();
    const delivered: ElectionState[] = [];
    elector.on('members', (_event, state) => delivered.push(state));
    clock.suspend(10_000); // 10 s asleep with a 3 s TTL: the lease is gone at the backend
    // The first thing after waking is a watch event (another member joins). No timer has run.
    session.emit({ type: 'put', member: member('c') });
    expect(delivered).toHaveLength(1);
    // The snapshot is built after the wake (viewChanged dropped the cached one), so its wall-clock
    // reference point is post-suspend while its leaseDeadline was computed before: it says leader.
    expect(delivered[0]!.isLeader).toBe(false);
    await elector.stop();
  });

  it('that snapshot keeps saying leader for the rest of the old monotonic lease', async () => {
    const { clock, elector, session } = await leaderOnClockPair();
    let kept: ElectionState | undefined;
    elector.on('members', (_event, state) => {
      kept ??= state;
    });
    clock.suspend(10_000);
    session.emit({ type: 'put', member: member('c') });
    clock.pause(1000); // a second later, still holding the snapshot from the event
    expect(kept!.isLeader).toBe(false);
    await elector.stop();
  });
});

describe('review: a custom adapter that follows the deadline() contract to the letter', () => {
  it('a renewal sent before the suspend and acknowledged after it: leads on, the lease long gone', async () => {
    const { clock, elector, events, session } = await leaderOnClockPair();
    await clock.advance(1000);
    // The adapter sends a renewal now (its send time, on the monotonic clock, as the contract says)...
    const sentAt = clock.now();
    // ...the machine sleeps 10 s before the acknowledgement is read (a 3 s TTL: the backend's timer,
    // restarted when it got the renewal, ran out 7 s ago)...
    clock.suspend(10_000);
    // ...and on waking the adapter moves its deadline to the send time plus the TTL.
    session.renew(sentAt + 3000);
    // The elector's wall-clock check counts only from when it first read a deadline value, so the
    // suspend between the send and that read is not counted: the runtime comment says "a suspend
    // ends it whatever the adapter".
    expect(elector.state.isLeader).toBe(false);
    expect(events).toContainEqual({ type: 'demoted', reason: 'deadline', term: 2n });
    await elector.stop();
  });
});

describe('review: a wall clock stepped back, then a suspend', () => {
  it('the back step hides the suspend that follows it (until a renewal re-bases both clocks)', async () => {
    const { clock, elector, events } = await leaderOnClockPair();
    clock.stepWall(-60_000); // NTP steps the wall clock back a minute
    await clock.advance(300); // the leader's poll runs: nothing to see, as documented
    expect(elector.state.isLeader).toBe(true);
    clock.suspend(10_000); // then the laptop sleeps 10 s, with a 3 s TTL
    // The wall clock now shows 50 s less than the monotonic clock since the deadline was read:
    // "counts for nothing", so the suspend is invisible and the node leads on.
    expect(elector.state.isLeader).toBe(false);
    expect(events).toContainEqual({ type: 'demoted', reason: 'deadline', term: 2n });
    await elector.stop();
  });
});

describe('a suspend during the join', () => {
  it("counts against the session's first deadline (the adapter's send time is from before it)", async () => {
    const { clock, elector, events, session } = await candidateOnClockPair((backend, clock) => {
      const open = backend.joinWith;
      backend.joinWith = async (request) => {
        const session = await open(request); // its deadline: the send time plus the TTL
        clock.suspend(10_000); // asleep before the answer is read
        return session;
      };
    });
    expect(elector.state.isLeader).toBe(false);
    expect(events.filter((event) => event.type === 'elected')).toEqual([]);
    expect(elector.state.reason).toMatchObject({ kind: 'backend-unreachable' });
    // A renewal sent after waking and acknowledged: it leads.
    session.renew(clock.now() + 3000);
    await clock.advance(1000);
    expect(elector.state.isLeader).toBe(true);
    await elector.stop();
  });
});

describe('a suspend, then a wall clock stepped back', () => {
  it('the back step does not take back the suspend already counted: no leading again without a renewal', async () => {
    const { clock, elector, events } = await leaderOnClockPair();
    clock.suspend(10_000);
    await clock.advance(300); // the poll demotes
    expect(events).toContainEqual({ type: 'demoted', reason: 'deadline', term: 2n });
    clock.stepWall(-60_000); // then NTP steps the wall clock back a minute
    await clock.advance(600); // the past-deadline polls run
    expect(elector.state.isLeader).toBe(false);
    expect(events.filter((event) => event.type === 'elected')).toHaveLength(1);
    await elector.stop();
  });
});
