import type { ElectionReason } from '@election/core';
import { describeReason, electionStatus } from '@election/http';
import { createManualClock, waitFor } from '@election/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cluster } from './support.js';

afterEach(cleanup);

describe('describeReason', () => {
  const now = 10_000;
  const cases: Array<[ElectionReason, string]> = [
    [{ kind: 'idle' }, 'Not started.'],
    [{ kind: 'joining', since: now, attempt: 0, lastError: null }, 'Joining the membership.'],
    [
      { kind: 'joining', since: now - 12_500, attempt: 3, lastError: 'connect ECONNREFUSED 127.0.0.1:2379' },
      'Joining: the backend has failed for 12.5 s (attempt 3): connect ECONNREFUSED 127.0.0.1:2379',
    ],
    [
      { kind: 'duplicate-id', since: now - 2000, message: 'node-a is registered by another live process' },
      'Another live node holds this id (for 2.0 s); retrying, never leading meanwhile: node-a is registered by another live process',
    ],
    [{ kind: 'observer' }, 'Joined as an observer: never elected.'],
    [{ kind: 'no-candidates' }, 'No member in view can be elected.'],
    [
      { kind: 'outranked', by: 'node-a', because: 'priority' },
      'Outranked by node-a: it has a lower priority.',
    ],
    [
      { kind: 'outranked', by: 'node-a', because: 'id-order' },
      'Outranked by node-a: its id sorts first (UTF-8 byte order).',
    ],
    [
      { kind: 'outranked', by: 'node-a', because: 'custom-order' },
      'Outranked by node-a: it sorts first by the custom order.',
    ],
    [
      { kind: 'lock-held-by', id: 'node-z', term: 42n, expiresWithinMs: 4000 },
      'Elected by the view, but node-z holds the leader lock (term 42); its lease can expire within 4.0 s.',
    ],
    [{ kind: 'acquiring' }, 'Elected by the view; taking the leader lock.'],
    [{ kind: 'leading', term: 7n }, 'Leading, term 7.'],
    [{ kind: 'leading', term: null }, 'Leading (view mode, no fencing token).'],
    [
      { kind: 'handover-pending', to: 'node-a', inMs: 1500 },
      'Leading; node-a ranks first, handing over in 1.5 s.',
    ],
    [{ kind: 'stopped' }, 'Stopped.'],
  ];
  it.each(cases)('%o reads as a sentence', (reason, text) => {
    expect(describeReason(reason, now)).toBe(text);
  });
});

describe('electionStatus', () => {
  it('says who outranks a follower and why, lists members in election order, and marks observers', async () => {
    const clock = createManualClock(1_000_000);
    const { node } = cluster({ clock });
    const nodes = [node('b', { priority: -1 }), node('a'), node('c', { observer: true })];
    const started = Promise.all(nodes.map((n) => n.start()));
    await waitFor(() => nodes.every((n) => n.state.leaderId === 'b' && n.state.members.length === 3), {
      clock,
      timeoutMs: 5000,
      message: 'every node to see b lead',
    });
    await started;
    const [b, a, c] = nodes.map((n) => electionStatus(n, clock));
    expect(a?.reason).toEqual({ kind: 'outranked', by: 'b', because: 'priority' });
    expect(a?.reasonText).toBe('Outranked by b: it has a lower priority.');
    expect(a?.leaseRemainingMs).toBeNull();
    expect(c?.reason).toEqual({ kind: 'observer' });
    expect(b?.reason).toMatchObject({ kind: 'leading' });
    expect(b?.reason).toEqual({ kind: 'leading', term: expect.any(String) });
    expect(a?.ranking).toEqual([
      { id: 'b', priority: -1, observer: false, leader: true, self: false },
      { id: 'a', priority: 0, observer: false, leader: false, self: true },
      { id: 'c', priority: 0, observer: true, leader: false, self: false },
    ]);
    expect(a?.members).toEqual(['b', 'a', 'c']);
  });
});
