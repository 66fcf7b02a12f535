import { describe, expect, it } from 'vitest';
import {
  type Clock,
  createElector,
  type ElectionState,
  type ElectorEvent,
  type ElectorOptions,
  type LeaderLock,
} from '../src/index.js';
import { member } from './support/fixtures.js';
import { createTestClock, createTestClockPair, type TestClock } from './support/manual-clock.js';
import { recordingLogger } from './support/recording-logger.js';
import { createScriptedBackend, type ScriptedBackend } from './support/scripted-backend.js';

/**
 * Rules of the elector runtime's second half (`runtime.ts` from the deadline poll on) that mutants
 * survived in issue 19's measurement (docs/mutation-testing.md), each pinned as behaviour: phases,
 * events, reasons, log lines, calls made to the backend, and when the elector wakes up.
 */

/** A clock that also records the delay of every timer armed on it: how often the elector wakes. */
function counting<C extends TestClock>(base: C): { clock: C; armed: number[] } {
  const armed: number[] = [];
  const clock = {
    ...base,
    setTimer(fn: () => void, ms: number) {
      armed.push(ms);
      return base.setTimer(fn, ms);
    },
  };
  return { clock, armed };
}

/** Node b on a scripted backend (TTL 3 s: margin 300 ms, poll every 300 ms), every event recorded. */
async function start(
  options: Partial<ElectorOptions> & { clock?: TestClock } = {},
  prepare: (backend: ScriptedBackend) => void = () => {},
) {
  const clock = options.clock ?? createTestClock();
  const backend = createScriptedBackend();
  prepare(backend);
  const { logger, lines } = recordingLogger();
  const elector = createElector({
    id: 'b',
    membership: backend,
    ttlMs: 3000,
    backoff: { random: () => 0.5 },
    logger,
    ...options,
    clock,
  });
  const events: ElectorEvent[] = [];
  const states: ElectionState[] = [];
  elector.subscribe((event, state) => {
    events.push(event);
    states.push(state);
  });
  await elector.start();
  const session = backend.sessions[0]!;
  return { clock, backend, elector, events, states, session, lines };
}

/** b leading on its own holding (token 7), seen by the holder watch. */
async function leading(options: Partial<ElectorOptions> & { clock?: TestClock } = {}) {
  const started = await start(options);
  const { session, clock, elector } = started;
  session.acquireWith = async () => 7n;
  session.emit({ type: 'snapshot', members: [member('b')] });
  await clock.advance(0);
  session.setHolder({ id: 'b', token: 7n });
  expect(elector.state).toMatchObject({ isLeader: true, term: 7n });
  return started;
}

const phases = (events: readonly ElectorEvent[]) =>
  events.flatMap((event) => (event.type === 'phase' ? [event.phase] : []));

const since = <T>(items: readonly T[], from: number) => items.slice(from);

describe('when the elector wakes up (deadline checks and polls)', () => {
  it('a follower whose backend answers is not polled: nothing wakes it between deadline checks, wall clock or not', async () => {
    for (const base of [createTestClock(), createTestClockPair()]) {
      const { clock, armed } = counting(base);
      const { session, elector } = await start({ clock });
      session.emit({ type: 'snapshot', members: [member('a'), member('b')] });
      session.setHolder({ id: 'a', token: 3n });
      await clock.advance(0);
      expect(elector.state).toMatchObject({ phase: 'follower', leaderId: 'a' });
      const before = armed.length;
      await clock.advance(2000); // the deadline check is due at 2.7 s, the resync at 5 s
      expect(armed.length).toBe(before);
      await elector.stop();
    }
  });

  it('a leader polls its deadline only on a clock with a wall clock (to see a suspend); on a monotonic clock alone it is not woken', async () => {
    const monotonic = counting(createTestClock());
    const plain = await leading({ clock: monotonic.clock });
    let before = monotonic.armed.length;
    await monotonic.clock.advance(2000);
    expect(monotonic.armed.length).toBe(before);
    await plain.elector.stop();

    const pair = counting(createTestClockPair());
    const walled = await leading({ clock: pair.clock });
    before = pair.armed.length;
    await pair.clock.advance(2000);
    expect(pair.armed.length - before).toBeGreaterThanOrEqual(6); // every 300 ms
    await walled.elector.stop();
  });
});

describe('a holding handed over directly (the giver excluded for a while)', () => {
  /** b is handed a's holding (token 5) while the view still ranks a (priority -10) first. */
  async function handedToB(options: Partial<ElectorOptions> = {}) {
    const started = await start({ handoverDelayMs: 0, resyncIntervalMs: 60_000, ...options });
    const { session, clock, elector } = started;
    const transfers: Array<{ token: bigint; to: string }> = [];
    (session.lock as { transfer?: LeaderLock['transfer'] }).transfer = async (token, to) => {
      transfers.push({ token, to });
      return 6n;
    };
    session.emit({ type: 'snapshot', members: [member('a', { priority: -10 }), member('b')] });
    session.setHolder({ id: 'a', token: 3n });
    await clock.advance(10);
    session.setHolder({ id: 'b', token: 5n, handed: true });
    await clock.advance(0);
    expect(elector.state).toMatchObject({ isLeader: true, term: 5n });
    return { ...started, transfers };
  }

  it('the exclusion ends exactly one TTL after the handover: the holding goes back to the giver whose record did not change', async () => {
    const { session, clock, elector, transfers } = await handedToB();
    const handedAt = clock.now();
    await clock.advance(2000);
    session.renew(clock.now() + 3000); // renewed silently: the next deadline check is at +4.7 s
    await clock.advance(handedAt + 3000 - clock.now() - 1);
    expect(transfers).toEqual([]);
    expect(elector.state.isLeader).toBe(true);
    await clock.advance(1); // one TTL after the handover
    expect(transfers).toEqual([{ token: 5n, to: 'a' }]);
    expect(elector.state.isLeader).toBe(false);
    await elector.stop();
  });

  it('a holding handed to a node whose view is still empty is given up without a crash', async () => {
    const { session, clock, elector } = await start({ handoverDelayMs: 0 });
    session.setHolder({ id: 'a', token: 3n });
    await clock.advance(10);
    // No membership snapshot yet: the giver's record is unknown, and nobody is elected.
    expect(() => session.setHolder({ id: 'b', token: 5n, handed: true })).not.toThrow();
    await clock.advance(10);
    expect(session.releasedTokens).toEqual([5n]);
    expect(elector.state).toMatchObject({ phase: 'follower', isLeader: false });
    await elector.stop();
  });
});
