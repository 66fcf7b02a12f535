import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  createElector,
  DuplicateMemberError,
  SessionLostError,
  StartTimeoutError,
} from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';
import { createTestClock } from './support/manual-clock.js';
import { createScriptedBackend } from './support/scripted-backend.js';

describe('leadership deadline and lost registrations', () => {
  it('isLeader is false on the first read past the deadline, before any timer has fired', async () => {
    const { elector, session, clock } = await startScripted({ ttlMs: 3000 });
    session.acquireWith = async () => 2n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    const held = elector.state;
    clock.pause(2800); // frozen past ttl - margin (3000 - 300): no timer ran
    expect(elector.state.isLeader).toBe(false);
    expect(held.isLeader).toBe(false);
  });

  it('stays leader while renewals move the deadline, steps down when they stop, and resumes the same term', async () => {
    const { elector, session, clock, backend, events } = await startScripted({ ttlMs: 3000 });
    session.acquireWith = async () => 2n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    for (let i = 0; i < 5; i++) {
      await clock.advance(1000);
      session.renew(clock.now() + 3000);
    }
    expect(elector.state.isLeader).toBe(true);
    await clock.advance(2700);
    expect(events).toContainEqual({ type: 'demoted', reason: 'deadline', term: 2n });
    // The registration is kept (the backend may still hold it), not left and not joined again.
    expect(session.left).toBe(false);
    expect(session.closed).toBe(false);
    expect(elector.state.reason).toMatchObject({ kind: 'backend-unreachable' });
    await clock.advance(20_000);
    expect(backend.sessions.length).toBe(1);
    expect(elector.state.isLeader).toBe(false);
    // A renewal is acknowledged again: the same registration, the lock still held, the same term.
    const acquiresBefore = session.acquires;
    session.renew(clock.now() + 3000);
    await clock.advance(500);
    expect(elector.state).toMatchObject({ isLeader: true, term: 2n, reason: { kind: 'leading', term: 2n } });
    expect(events.filter((e) => e.type === 'elected')).toEqual([
      { type: 'elected', term: 2n },
      { type: 'elected', term: 2n },
    ]);
    // One lock call confirmed the holding (tryAcquire hands back the token of a holding it has).
    expect(session.acquires).toBe(acquiresBefore + 1);
    await elector.stop();
  });

  it('after the deadline, a holding the backend no longer confirms is not resumed (deleted by hand meanwhile)', async () => {
    const { elector, session, clock } = await startScripted({ ttlMs: 3000 });
    session.acquireWith = async () => 5n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.setHolder({ id: 'b', token: 5n });
    await clock.advance(10_000); // no renewal: past the deadline
    expect(elector.state.isLeader).toBe(false);
    // Meanwhile the key was deleted and taken by someone else; this node's watch has not caught up.
    session.acquireWith = async () => null;
    const acquires = session.acquires;
    session.renew(clock.now() + 3000);
    await clock.advance(300);
    expect(session.acquires).toBe(acquires + 1);
    expect(elector.state.isLeader).toBe(false);
    await elector.stop();
  });

  it('a lock answer that arrives past the deadline is not led on until a renewal is acknowledged', async () => {
    const { elector, session, clock } = await startScripted({ ttlMs: 3000 });
    let answer: (token: bigint | null) => void = () => {};
    session.acquireWith = () => new Promise((resolve) => (answer = resolve));
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(2800); // past ttl - margin, the acquire still in flight
    answer(9n);
    await clock.advance(100);
    expect(elector.state.isLeader).toBe(false);
    session.acquireWith = async () => 9n;
    session.renew(clock.now() + 3000);
    await clock.advance(300);
    expect(elector.state).toMatchObject({ isLeader: true, term: 9n });
    await elector.stop();
  });

  it('a holding the watch showed gone during the outage is never resumed', async () => {
    const { clock, elector, session, events } = await startScripted({ ttlMs: 3000 });
    session.acquireWith = async () => 5n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.setHolder({ id: 'b', token: 5n });
    for (let elapsed = 0; elapsed < 5000; elapsed += 500) {
      session.fail(new BackendUnavailableError('down'));
      await clock.advance(500);
    }
    session.setHolder(null);
    session.acquireWith = async () => null;
    session.renew(clock.now() + 3000);
    await clock.advance(500);
    expect(events.filter((event) => event.type === 'elected')).toHaveLength(1);
    expect(elector.state.isLeader).toBe(false);
    await elector.stop();
  });

  it('a handover pending when the deadline passed is not resumed; stop() during the outage leaves no timer', async () => {
    const { clock, elector, session, backend } = await startScripted({ ttlMs: 3000, handoverDelayMs: 1000 });
    session.acquireWith = async () => 5n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.emit({ type: 'put', member: member('a') }); // a better-ranked member: handover in 1 s
    await clock.advance(100);
    for (let elapsed = 0; elapsed < 5000; elapsed += 500) {
      session.fail(new BackendUnavailableError('down'));
      await clock.advance(500);
    }
    session.renew(clock.now() + 3000);
    await clock.advance(500);
    expect(elector.state.isLeader).toBe(false);
    expect(session.releasedTokens).toContain(5n);
    await elector.stop();
    expect(clock.pendingTimers()).toBe(0);
    expect(backend.sessions).toHaveLength(1);
  });

  it('a lost session demotes at once, closes it and joins again', async () => {
    const { elector, session, clock, backend, events } = await startScripted();
    session.acquireWith = async () => 2n;
    session.emit({ type: 'snapshot', members: [member('b')] });
    await elector.waitForLeadership();
    session.lose();
    expect(elector.state.isLeader).toBe(false);
    expect(events).toContainEqual({ type: 'demoted', reason: 'session-lost', term: 2n });
    expect(events.some((e) => e.type === 'error' && e.error instanceof SessionLostError)).toBe(true);
    await clock.advance(1);
    expect(session.closed).toBe(true);
    expect(backend.sessions.length).toBe(2);
    const next = backend.sessions[1]!;
    next.acquireWith = async () => 3n;
    next.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    expect(elector.state).toMatchObject({ isLeader: true, term: 3n });
    await elector.stop();
  });

  it('retries an unreachable backend with capped backoff and reports each failure', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    let attempts = 0;
    backend.joinWith = async (request) => {
      attempts++;
      if (attempts < 4) throw new Error('connect ECONNREFUSED 127.0.0.1:2379');
      return backend.openSession(request);
    };
    const elector = createElector({
      id: 'b',
      membership: backend,
      clock,
      backoff: { initialMs: 100, maxMs: 400, random: () => 1 },
    });
    const errors: unknown[] = [];
    elector.on('error', (event) => errors.push(event.error));
    const started = elector.start();
    await clock.advance(100 + 200 + 400);
    await started;
    expect(attempts).toBe(4);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toBeInstanceOf(BackendUnavailableError);
    expect(String((errors[0] as Error).message)).toContain('ECONNREFUSED');
    await elector.stop();
  });

  it('fails start() after startTimeoutMs when the backend never answers', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    backend.joinWith = () => new Promise(() => {});
    const elector = createElector({ id: 'b', membership: backend, clock, startTimeoutMs: 2000 });
    const started = elector.start();
    const outcome = started.catch((error: unknown) => error);
    await clock.advance(2000);
    expect(await outcome).toBeInstanceOf(StartTimeoutError);
    expect(elector.state.phase).toBe('stopped');
  });

  it('rejects start() with DuplicateMemberError and does not retry', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    let attempts = 0;
    backend.joinWith = async () => {
      attempts++;
      throw new DuplicateMemberError('b', 'id "b" is held by another live node');
    };
    const elector = createElector({ id: 'b', membership: backend, clock });
    await expect(elector.start()).rejects.toBeInstanceOf(DuplicateMemberError);
    expect(attempts).toBe(1);
    expect(elector.state.phase).toBe('stopped');
  });
});

describe('permanent join failures', () => {
  it('rejects start() at once when the backend refuses the member as misconfigured', async () => {
    const { ConfigurationError } = await import('../src/index.js');
    const clock = createTestClock();
    const backend = createScriptedBackend();
    let attempts = 0;
    backend.joinWith = async () => {
      attempts++;
      throw new ConfigurationError('id "q" is not in the static member list');
    };
    const elector = createElector({ id: 'q', membership: backend, clock });
    await expect(elector.start()).rejects.toThrow(/not in the static member list/);
    expect(attempts).toBe(1);
  });
});
