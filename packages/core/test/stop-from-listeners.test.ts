import { describe, expect, it } from 'vitest';
import { createElector, type ElectionState, type ElectorEvent, LifecycleError } from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';
import { createTestClock } from './support/manual-clock.js';
import { createScriptedBackend } from './support/scripted-backend.js';

/** Issue 19, defects 2, 3 and 7: calls made from inside a listener, while events are being delivered. */

const phases = (events: readonly ElectorEvent[]) =>
  events.flatMap((event) => (event.type === 'phase' ? [event.phase] : []));

describe('stop() from inside listeners', () => {
  it('defect 2: stop() on the joining phase event during start() leaves no timer behind', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000 });
    const events: ElectorEvent[] = [];
    let stopped: Promise<void> | undefined;
    elector.subscribe((event) => {
      events.push(event);
      if (event.type === 'phase' && event.phase === 'joining') stopped = elector.stop();
    });
    await expect(elector.start()).rejects.toBeInstanceOf(LifecycleError);
    await stopped;
    expect(elector.state.phase).toBe('stopped');
    expect(phases(events)).toEqual(['joining', 'stopping', 'stopped']);
    expect(clock.pendingTimers()).toBe(0); // before: the resync timer armed after the stop
  });

  it.each(['demoted', 'elected'] as const)(
    'defect 3: stop() from a %s listener: stopping until the leave settles, then stopped; reason stopped; no timer',
    async (on) => {
      const { elector, session, clock, events } = await startScripted({ ttlMs: 3000 });
      session.acquireWith = async () => 4n;
      let leave = () => {};
      session.leave = () => new Promise<void>((resolve) => (leave = resolve)); // settles when the test says
      let stopped: Promise<void> | undefined;
      const seen: ElectionState[] = [];
      elector.subscribe((event, state) => {
        if (event.type === 'phase') seen.push(state);
        if (event.type === on && !stopped) stopped = elector.stop();
      });
      session.emit({ type: 'snapshot', members: [member('b')] });
      await clock.advance(1);
      if (on === 'demoted') {
        expect(elector.state.phase).toBe('leader');
        session.emit({ type: 'put', member: member('a') }); // handover: demoted
      }
      await clock.advance(1);
      // Until the leave settles the elector is stopping, never back to follower or candidate.
      expect(elector.state.phase).toBe('stopping');
      expect(elector.state.reason).toEqual({ kind: 'stopped' });
      leave();
      await stopped;
      const after = phases(events).slice(phases(events).indexOf('stopping'));
      expect(after).toEqual(['stopping', 'stopped']);
      expect(phases(events).at(-1)).toBe('stopped');
      expect(seen.at(-1)?.phase).toBe('stopped');
      expect(elector.state.reason).toEqual({ kind: 'stopped' });
      await clock.advance(60_000);
      expect(clock.pendingTimers()).toBe(0);
      expect(phases(events).at(-1)).toBe('stopped');
    },
  );

  it('(already right, kept as a guard) stop() from a demoted listener on a deadline demotion ends stopped', async () => {
    const { elector, session, clock, events } = await startScripted({ ttlMs: 3000 });
    session.acquireWith = async () => 4n;
    let stopped: Promise<void> | undefined;
    elector.on('demoted', () => {
      stopped ??= elector.stop();
    });
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    await clock.advance(3000); // no renewal: past the deadline
    await stopped;
    expect(phases(events).slice(-2)).toEqual(['stopping', 'stopped']);
    expect(elector.state.reason).toEqual({ kind: 'stopped' });
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('waitForLeadership() from inside a listener', () => {
  it('defect 7: does not resolve on an older elected still queued behind the current event', async () => {
    const { elector, session, clock } = await startScripted({ mode: 'view' }, false);
    let waiting: Promise<ElectionState> | undefined;
    let resolvedWith: ElectionState | undefined;
    let first = true;
    // The first listener, on the first members event, elects and demotes this node synchronously
    // (view mode): 'elected' and then 'demoted' are queued behind the event being delivered.
    elector.on('members', () => {
      if (!first) return;
      first = false;
      session.emit({ type: 'put', member: member('b') });
      session.emit({ type: 'put', member: member('a') });
    });
    // The second listener, on that same first event, waits: the node is no leader now.
    let asked = false;
    elector.on('members', () => {
      if (asked) return;
      asked = true;
      expect(elector.state.isLeader).toBe(false);
      waiting = elector.waitForLeadership();
      waiting.then((state) => {
        resolvedWith = state;
      });
    });
    session.emit({ type: 'snapshot', members: [] });
    await clock.advance(1);
    expect(elector.state).toMatchObject({ phase: 'follower', leaderId: 'a' });
    // Before: it resolved with the queued elected's state although 'a' leads.
    expect(resolvedWith).toBeUndefined();
    session.emit({ type: 'delete', id: 'a' });
    await clock.advance(1);
    expect(resolvedWith).toMatchObject({ phase: 'leader', isLeader: true, leaderId: 'b' });
    await elector.stop();
  });
});

/** Review of issue 19 defects 2 and 3: stop() from listeners the change's tests do not cover. */
describe('review: stop() from other listeners', () => {
  it.each([
    ['phase follower (inside #attach)', (e: ElectorEvent) => e.type === 'phase' && e.phase === 'follower'],
    ['phase candidate', (e: ElectorEvent) => e.type === 'phase' && e.phase === 'candidate'],
    ['leader', (e: ElectorEvent) => e.type === 'leader' && e.leaderId === 'b'],
    ['members', (e: ElectorEvent) => e.type === 'members' && e.size === 1],
    ['error', (e: ElectorEvent) => e.type === 'error'],
  ] as const)('stop() from a %s listener ends stopped, no timer, no live subscription', async (_, when) => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    const elector = createElector({ id: 'b', membership: backend, clock, ttlMs: 3000, lockTimeoutMs: 100 });
    const events: ElectorEvent[] = [];
    let stopped: Promise<void> | undefined;
    elector.subscribe((event) => {
      events.push(event);
      if (!stopped && when(event)) stopped = elector.stop();
    });
    const starting = elector.start().catch(() => {});
    await clock.advance(1);
    await starting;
    const session = backend.sessions[0]!;
    let acquires = 0;
    session.acquireWith = () =>
      new Promise((resolve) => clock.setTimer(() => resolve(acquires++ === 0 ? null : 3n), 150));
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    session.setHolder({ id: 'a', token: 2n });
    await clock.advance(1000);
    session.setHolder({ id: 'b', token: 3n });
    await clock.advance(1000);
    expect(stopped).toBeDefined();
    await stopped;
    expect(phases(events).slice(-2)).toEqual(['stopping', 'stopped']);
    expect(elector.state.reason).toEqual({ kind: 'stopped' });
    await clock.advance(60_000);
    expect(clock.pendingTimers()).toBe(0);
    // Nothing still listens on the session that was left.
    const before = events.length;
    session.emit({ type: 'put', member: member('c') });
    session.setHolder({ id: 'c', token: 9n });
    session.fail(new Error('x'));
    session.lose(new Error('y'));
    await clock.advance(60_000);
    expect(events.length).toBe(before);
    expect(clock.pendingTimers()).toBe(0);
  });
});
