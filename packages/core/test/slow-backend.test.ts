import { describe, expect, it } from 'vitest';
import { createElector, type ElectorEvent } from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';
import type { TestClock } from './support/manual-clock.js';
import { createTestClock } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';
import { createScriptedBackend, type ScriptedSession } from './support/scripted-backend.js';

/**
 * Issue 19, defect 1: every lock call answers correctly, but later than lockTimeoutMs (150 ms
 * against 100 ms). Before: each late "acquired" was set aside as "may have committed", the
 * confirming tryAcquire was late too, for ever; the node held the lock and never led.
 */

const LATENCY_MS = 150;

/** A lock whose every call commits halfway (the watch shows it then) and answers after 150 ms. */
function slowLock(session: ScriptedSession, clock: TestClock) {
  let next = 1n;
  let held: bigint | null = null;
  const later = <T>(ms: number, fn: () => T) =>
    new Promise<T>((resolve) => clock.setTimer(() => resolve(fn()), ms));
  session.acquireWith = async () => {
    await later(LATENCY_MS / 2, () => {
      if (held === null) {
        held = next++;
        session.setHolder({ id: 'b', token: held });
      }
    });
    return later(LATENCY_MS / 2, () => held);
  };
  session.releaseWith = async (token) => {
    await later(LATENCY_MS / 2, () => {
      if (held === token) {
        held = null;
        session.setHolder(null);
      }
    });
    await later(LATENCY_MS / 2, () => {});
  };
}

describe('a backend slower than lockTimeoutMs', () => {
  it('defect 1: leads on the late acquire answer within one round trip, and releases on stop', async () => {
    const { elector, session, clock, events } = await startScripted({ ttlMs: 3000, lockTimeoutMs: 100 });
    slowLock(session, clock);
    const electedAt: number[] = [];
    elector.on('elected', () => electedAt.push(clock.now()));
    const start = clock.now();
    session.emit({ type: 'snapshot', members: [member('b')] });
    for (let i = 0; i < 30 && electedAt.length === 0; i++) {
      await clock.advance(100);
      session.renew(clock.now() + 3000);
    }
    // Bound: the first answer (150 ms) elects; before, it never did (~36 acquires in 30 s).
    expect(electedAt[0]! - start).toBeLessThanOrEqual(LATENCY_MS);
    expect(session.acquires).toBe(1);
    expect(elector.state).toMatchObject({ isLeader: true, term: 1n, reason: { kind: 'leading', term: 1n } });
    // The late answer was still reported, once, as a slow call.
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
    // A better-ranked member: hand over; the (slow) release names the token and completes.
    session.emit({ type: 'put', member: member('a') });
    expect(elector.state.isLeader).toBe(false);
    await clock.advance(LATENCY_MS);
    expect(session.releasedTokens).toEqual([1n]);
    expect(session.acquires).toBe(1);
    const stopping = elector.stop();
    await clock.advance(LATENCY_MS);
    await stopping;
    // Resigning leaves the registration, which ends its holding (etcd revokes the lease, Consul
    // destroys the session); nothing else is left in flight.
    expect(session.left).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('defect 1: two nodes on a slow backend: the first leads, hands over on stop, the second leads', async () => {
    const clock = createTestClock();
    const backend = createScriptedBackend();
    const make = (id: string) =>
      createElector({
        id,
        membership: backend,
        clock,
        ttlMs: 3000,
        lockTimeoutMs: 100,
        backoff: { random: () => 0.5 },
      });
    const a = make('a');
    const b = make('b');
    await a.start();
    await b.start();
    const [sa, sb] = backend.sessions as [ScriptedSession, ScriptedSession];
    // One shared slow lock: each session answers for its own member id.
    let held: { id: string; token: bigint } | null = null;
    let next = 1n;
    const later = (ms: number) => new Promise<void>((resolve) => clock.setTimer(resolve, ms));
    const show = () => {
      for (const s of [sa, sb]) s.setHolder(held);
    };
    for (const [s, id] of [
      [sa, 'a'],
      [sb, 'b'],
    ] as const) {
      s.acquireWith = async () => {
        await later(LATENCY_MS / 2);
        if (held === null) {
          held = { id, token: next++ };
          show();
        }
        await later(LATENCY_MS / 2);
        return held.id === id ? held.token : null;
      };
      s.releaseWith = async (token) => {
        await later(LATENCY_MS / 2);
        if (held?.id === id && held.token === token) {
          held = null;
          show();
        }
        await later(LATENCY_MS / 2);
      };
      // Leaving ends the registration and with it its holding, as a lease revoke does.
      s.leave = async () => {
        await later(LATENCY_MS / 2);
        if (held?.id === id) {
          held = null;
          show();
        }
        s.left = true;
      };
    }
    const members = { type: 'snapshot', members: [member('a'), member('b')] } as const;
    sa.emit(members);
    sb.emit(members);
    const renewAll = () => {
      for (const s of [sa, sb]) s.renew(clock.now() + 3000);
    };
    for (let i = 0; i < 10 && !a.state.isLeader; i++) {
      await clock.advance(100);
      renewAll();
    }
    expect(a.state.isLeader).toBe(true);
    const bEvents: ElectorEvent[] = [];
    b.subscribe((event) => bEvents.push(event));
    const stopping = a.stop();
    sb.emit({ type: 'delete', id: 'a' });
    for (let i = 0; i < 20 && !b.state.isLeader; i++) {
      await clock.advance(100);
      renewAll();
    }
    await stopping;
    expect(b.state).toMatchObject({ isLeader: true, term: 2n });
    const stopB = b.stop();
    await clock.advance(LATENCY_MS);
    await stopB;
    expect(held).toBeNull();
  });

  it.each([
    ['the watch showed the holding deleted meanwhile', [{ id: 'b', token: 5n }, null]],
    ['the watch showed a newer holder meanwhile', [{ id: 'a', token: 9n }]],
  ] as const)(
    'defect 1, the safety side: a late answer is not led on when %s (the dead floor)',
    async (_, shown) => {
      const { elector, session, clock, events } = await startScripted({ ttlMs: 3000, lockTimeoutMs: 100 });
      let answer: (token: bigint) => void = () => {};
      session.acquireWith = () => new Promise((resolve) => (answer = resolve));
      session.emit({ type: 'snapshot', members: [member('b')] });
      await clock.advance(120); // past lockTimeoutMs: reported, still awaited
      for (const holder of shown) session.setHolder(holder);
      answer(5n); // "acquired, token 5": older than what the watch showed
      await clock.advance(1);
      expect(events.filter((event) => event.type === 'elected')).toEqual([]);
      await clock.advance(200); // after a backoff: released by token (harmless if gone)
      expect(events.filter((event) => event.type === 'elected')).toEqual([]);
      expect(session.releasedTokens).toEqual([5n]);
      await elector.stop();
    },
  );

  it('defect 1: a late "someone else holds it" backs off and asks again instead of parking', async () => {
    const { elector, session, clock } = await startScripted({ ttlMs: 3000, lockTimeoutMs: 100 });
    let answers = 0;
    session.acquireWith = () =>
      new Promise((resolve) => clock.setTimer(() => resolve(answers++ === 0 ? null : 7n), LATENCY_MS));
    session.emit({ type: 'snapshot', members: [member('b')] });
    // The watch shows no holder: the late null may be older than that. Ask again after a backoff
    // (at most 100 ms with the default backoff); before, it parked until the 5 s resync.
    for (let i = 0; i < 10 && !elector.state.isLeader; i++) {
      await clock.advance(100);
      session.renew(clock.now() + 3000);
    }
    expect(session.acquires).toBe(2);
    expect(elector.state).toMatchObject({ isLeader: true, term: 7n });
    const stopping = elector.stop();
    await clock.advance(1);
    await stopping;
  });

  it('warns when lockTimeoutMs is close to the TTL', () => {
    const { logger, lines } = recordingLogger();
    const membership = createScriptedBackend();
    createElector({ id: 'a', membership, ttlMs: 3000, logger });
    const warnings = () => lines.filter((line) => line.level === 'warn').map((line) => line.msg);
    expect(warnings()).toEqual([]);
    createElector({ id: 'a', membership, ttlMs: 3000, lockTimeoutMs: 2500, logger });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/lockTimeoutMs \(2500 ms\).*TTL \(3000 ms\)/);
  });
});

/**
 * Review of issue 19 defect 1 (a late lock answer is led on). README ("Why it is safe") and the
 * comment atop lock-claim.ts say an answer that arrives past the deadline "is not led on until a
 * renewal is acknowledged again and a new tryAcquire confirms the holding". That holds when the
 * answer arrives while the deadline is still past (reconfirm() turns the holding into an orphan).
 * It does not hold when the call was sent before the outage and answers after the renewal that
 * ended it: reconfirm() only acts on `held`, not on an `acquiring` call, so the answer, possibly
 * older than an out-of-band deletion the watch (down during the outage) never showed, is led on
 * with no confirming tryAcquire. That is exactly the hole reconfirm() exists to close.
 */
describe('review: a lock call in flight across an outage', () => {
  it('an answer sent before the deadline passed and received after the resume is confirmed before leading', async () => {
    const { elector, session, clock, events } = await startScripted({ ttlMs: 3000, lockTimeoutMs: 100 });
    let answer: (token: bigint) => void = () => {};
    session.acquireWith = () => new Promise((resolve) => (answer = resolve));
    session.emit({ type: 'snapshot', members: [member('b')] });
    await clock.advance(1);
    expect(session.acquires).toBe(1);
    // No renewal is acknowledged: the deadline (3000 less the 300 ms margin) passes.
    await clock.advance(3000);
    expect(elector.state.reason).toMatchObject({ kind: 'backend-unreachable' });
    // Meanwhile, out of band, the holding the call made is deleted; the watch is down and never
    // shows it. Then a renewal is acknowledged again: the elector resumes.
    session.renew(clock.now() + 3000);
    await clock.advance(400); // the past-deadline poll (every TTL/10) sees the renewal
    expect(elector.state.reason).toMatchObject({ kind: 'acquiring' });
    expect(elector.state.isLeader).toBe(false);
    // Now the old call answers "acquired, 5".
    answer(5n);
    await clock.advance(1);
    // Documented: not led on until a new tryAcquire confirms it. Observed: elected at once on 5.
    expect(events.filter((event) => event.type === 'elected')).toEqual([]);
    expect(session.acquires).toBe(1);
    await elector.stop();
  });
});
