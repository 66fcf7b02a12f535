import type { Clock, ElectionState, Elector, Member } from '@election/core';
import { describe, expect, it } from 'vitest';
import { trackLeadership } from '../src/tracker.js';

const TTL_MS = 2000;
const member = (id: string): Member =>
  ({ id, priority: 0, observer: false, metadata: {} }) as unknown as Member;
function state(over: Partial<ElectionState>): ElectionState {
  return {
    id: 'c',
    leaderId: null,
    isLeader: false,
    term: null,
    members: [],
    phase: 'follower',
    since: 0,
    leaseDeadline: null,
    reason: { kind: 'no-candidates' },
    ...over,
  } as ElectionState;
}

describe('trackLeadership (review19d)', () => {
  it('a join gap does not hide an expiry gap opened and closed in the same turn (one batch: snapshot, holder a, a expires, b leads) is dropped', async () => {
    let now = 0;
    const clock = { now: () => now } as unknown as Clock;
    const joining = state({
      phase: 'joining',
      reason: { kind: 'joining', since: 0, attempt: 0, lastError: null },
    });
    const tracker = trackLeadership({ state: joining } as unknown as Elector, clock, TTL_MS);
    await Promise.resolve();
    now = 5000;
    const outranked = { kind: 'outranked', by: 'a', because: 'id-order' } as const;
    const all = [member('a'), member('b'), member('c')];
    const rest = [member('b'), member('c')];
    // One backend delivery, all in one turn (e.g. a rejoin's snapshot, then a watch batch that
    // replays a's expiry and b's acquisition):
    tracker.update(state({ members: all, reason: outranked })); // snapshot, no holder yet: fleeting gap
    tracker.update(state({ members: all, leaderId: 'a', term: 1n, reason: outranked })); // holder a
    tracker.update(state({ members: rest })); // a's lock and registration vanish in one change
    tracker.update(state({ members: rest, leaderId: 'b', term: 2n, reason: outranked })); // b leads
    // The same expiry seen without the join's instant before it (the existing test 'a gap opened
    // by the end of a leadership is counted even when the next leader shows in the same turn')
    // counts TTL_MS; here the stale `fleeting` flag drops it: 0.
    expect(tracker.leaderlessMs()).toBe(TTL_MS);
  });
});
