import { describe, expect, it } from 'vitest';
import { createElector, type ElectorEvent } from '../src/index.js';
import { member } from './support/fixtures.js';
import { createTestClock } from './support/manual-clock.js';
import { createScriptedBackend } from './support/scripted-backend.js';

const phases = (events: readonly ElectorEvent[]) =>
  events.flatMap((event) => (event.type === 'phase' ? [event.phase] : []));

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
