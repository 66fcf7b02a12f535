import { describe, expect, it } from 'vitest';
import { createElector, type ElectionState, type ElectorEvent } from '../src/index.js';
import { member } from './support/fixtures.js';
import { createTestClockPair } from './support/manual-clock.js';
import { createScriptedBackend } from './support/scripted-backend.js';

/** Review of issue 19 defect 5 (suspend-safe deadlines): holes found by an adversarial review. */

async function leaderOnClockPair() {
  const clock = createTestClockPair();
  const backend = createScriptedBackend();
  const elector = createElector({
    id: 'b',
    membership: backend,
    clock,
    ttlMs: 3000,
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
