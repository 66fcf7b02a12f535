import { describe, expect, it } from 'vitest';
import { initialState, reduce } from '../src/elector/reducer.js';
import type { ElectionState, ElectorEvent } from '../src/index.js';
import { member, startScripted } from './support/fixtures.js';

/**
 * A change of `state.reason` alone is a state change subscribers must see when it happens (issue
 * 20 review): a follower that already sees no leader and then goes blind changes nothing else, and
 * metrics, /status and the page would show the old reason until the node's next event.
 */
describe('reason events', () => {
  it('a node that sees no leader going blind and back: one reason event each way, nothing else', async () => {
    const { clock, elector, session } = await startScripted({ id: 'b', observer: true, ttlMs: 3000 });
    session.emit({ type: 'snapshot', members: [member('b', { observer: true })] });
    await clock.advance(0);
    expect(elector.state).toMatchObject({ phase: 'follower', leaderId: null, reason: { kind: 'observer' } });
    const seen: [ElectorEvent, ElectionState][] = [];
    elector.subscribe((event, state) => seen.push([event, state]));

    // No renewal is acknowledged: past the session's deadline the node is blind. Only the reason changes.
    await clock.advance(3500);
    expect(elector.state.reason.kind).toBe('backend-unreachable');
    expect(seen.map(([event]) => event)).toEqual([
      { type: 'reason', reason: elector.state.reason, previousKind: 'observer' },
    ]);
    expect(seen[0]?.[1].reason.kind).toBe('backend-unreachable');

    // Acknowledged again: back to seeing, announced the same way.
    seen.length = 0;
    session.renew(clock.now() + 3000);
    await clock.advance(500);
    expect(elector.state.reason.kind).toBe('observer');
    expect(seen.map(([event]) => event)).toEqual([
      { type: 'reason', reason: { kind: 'observer' }, previousKind: 'backend-unreachable' },
    ]);
    await elector.stop();
  });

  it('the reducer: a new kind is one event; a detail within the same kind changes the state alone', () => {
    const joining = (attempt: number) => ({ kind: 'joining', since: 0, attempt, lastError: null }) as const;
    const first = reduce(initialState('b', 0), { type: 'reason', reason: joining(0) });
    expect(first.events).toEqual([{ type: 'reason', reason: joining(0), previousKind: 'idle' }]);
    const retry = reduce(first.state, { type: 'reason', reason: joining(1) });
    expect(retry.state.reason).toEqual(joining(1));
    expect(retry.events).toEqual([]);
    const same = reduce(retry.state, { type: 'reason', reason: joining(1) });
    expect(same.state).toBe(retry.state);
    expect(same.events).toEqual([]);
  });
});
