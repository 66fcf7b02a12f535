import { describe, expect, it } from 'vitest';
import { buildIntervals } from '../src/chaos/build-intervals.js';
import { checkHistory } from '../src/chaos/check-history.js';
import type { ChaosHistory, FaultRecord, LeadershipInterval, ResourceWrite } from '../src/chaos/history.js';

const T0 = 1_700_000_000_000;
const TTL = 2000;

function lead(
  proc: string,
  term: string | null,
  from: number,
  to: number,
  demoted: number | null = to,
): LeadershipInterval {
  return {
    node: proc.split('#')[0] as string,
    proc,
    term,
    electedAt: T0 + from,
    deadline: T0 + to,
    demotedAt: demoted === null ? null : T0 + demoted,
  };
}

function write(
  proc: string,
  token: string,
  sentAt: number,
  receivedAt: number,
  accepted = true,
): ResourceWrite {
  return {
    node: proc.split('#')[0] as string,
    proc,
    token,
    sentAt: T0 + sentAt,
    receivedAt: T0 + receivedAt,
    accepted,
  };
}

function fault(at: number, target = 'n1', kind: FaultRecord['kind'] = 'kill'): FaultRecord {
  return { kind, target, targetWasLeader: true, at: T0 + at, expectLeaderFrom: T0 + at };
}

function history(parts: Partial<ChaosHistory>): ChaosHistory {
  return { ttlMs: TTL, graceMs: 1000, intervals: [], writes: [], faults: [], unavailable: [], ...parts };
}

/** A clean failover: n1 leads, is killed at 1000, its deadline is 2500; n2 takes over at 3100. */
const clean = history({
  intervals: [lead('n1#1', '10', 0, 2500, null), lead('n2#1', '20', 3100, 9000, 9000)],
  writes: [
    write('n1#1', '10', 500, 501),
    write('n2#1', '20', 3200, 3201),
    write('n1#1', '10', 900, 3300, false),
  ],
  faults: [fault(1000)],
  unavailable: [{ proc: 'n1#1', from: T0 + 1000, to: null }],
});

describe('checkHistory', () => {
  it('passes a clean failover with a stale write rejected', () => {
    expect(checkHistory(clean)).toEqual({ ok: true, violations: [] });
  });

  it('fails when two leaderships overlap, even by a millisecond', () => {
    const verdict = checkHistory(
      history({ intervals: [lead('n1#1', '10', 0, 3000), lead('n2#1', '20', 2999, 5000)] }),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.violations.map((v) => v.kind)).toEqual(['overlap']);
  });

  it('ends an interval at the deadline when the demotion came later (a paused leader)', () => {
    const paused = lead('n1#1', '10', 0, 2500, 6000);
    expect(checkHistory(history({ intervals: [paused, lead('n2#1', '20', 2600, 5000)] })).ok).toBe(true);
    expect(checkHistory(history({ intervals: [paused, lead('n2#1', '20', 2400, 5000)] })).ok).toBe(false);
  });

  it('fails when an interval nested inside a long one overlaps it', () => {
    const verdict = checkHistory(
      history({
        intervals: [
          lead('n1#1', '10', 0, 9000),
          lead('n2#1', '20', 1000, 2000),
          lead('n3#1', '30', 5000, 6000),
        ],
      }),
    );
    expect(verdict.violations.filter((v) => v.kind === 'overlap')).toHaveLength(2);
  });

  it('fails on a term that does not increase', () => {
    const lower = checkHistory(
      history({ intervals: [lead('n1#1', '10', 0, 1000), lead('n2#1', '9', 2000, 3000)] }),
    );
    expect(lower.violations.map((v) => v.kind)).toEqual(['term-order']);
    const repeated = checkHistory(
      history({ intervals: [lead('n1#1', '10', 0, 1000), lead('n2#1', '10', 2000, 3000)] }),
    );
    expect(repeated.violations.map((v) => v.kind)).toEqual(['term-order']);
  });

  it('accepts the same process resuming the same holding, but not a new process with the old token', () => {
    const resumed = [lead('n1#1', '10', 0, 1000), lead('n1#1', '10', 2000, 3000)];
    expect(checkHistory(history({ intervals: resumed })).ok).toBe(true);
    const reborn = [lead('n1#1', '10', 0, 1000), lead('n1#2', '10', 2000, 3000)];
    expect(checkHistory(history({ intervals: reborn })).violations.map((v) => v.kind)).toEqual([
      'term-order',
    ]);
  });

  it('fails on a leadership without a fencing token', () => {
    expect(
      checkHistory(history({ intervals: [lead('n1#1', null, 0, 1000)] })).violations.map((v) => v.kind),
    ).toEqual(['missing-term']);
  });

  it('fails when the resource accepted a lower token after a higher one', () => {
    const verdict = checkHistory({
      ...clean,
      writes: [write('n2#1', '20', 3200, 3201), write('n1#1', '10', 900, 3300, true)],
    });
    expect(verdict.violations.map((v) => v.kind)).toEqual(['write-order']);
  });

  it('fails on an accepted write decided outside the writer’s leadership or with another term', () => {
    const late = checkHistory({ ...clean, writes: [write('n1#1', '10', 2600, 2601)] });
    expect(late.violations.map((v) => v.kind)).toEqual(['write-outside-leadership']);
    const wrongTerm = checkHistory({ ...clean, writes: [write('n2#1', '10', 3200, 3201)] });
    expect(wrongTerm.violations.map((v) => v.kind)).toEqual(['write-outside-leadership']);
  });

  it('fails when no leader appears within TTL + 1 s of a fault', () => {
    const slow = history({
      intervals: [lead('n1#1', '10', 0, 2500, null), lead('n2#1', '20', 4100, 9000)],
      faults: [fault(1000)],
      unavailable: [{ proc: 'n1#1', from: T0 + 1000, to: null }],
    });
    expect(checkHistory(slow).violations.map((v) => v.kind)).toEqual(['no-leader']);
  });

  it('does not count a killed or paused leader as the single leader', () => {
    const pausedOnly = history({
      intervals: [lead('n1#1', '10', 0, 2500, null)],
      faults: [fault(1000, 'n1', 'pause')],
      unavailable: [{ proc: 'n1#1', from: T0 + 1000, to: T0 + 3500 }],
    });
    expect(checkHistory(pausedOnly).violations.map((v) => v.kind)).toEqual(['no-leader']);
  });

  it('passes a follower fault while the leader keeps leading', () => {
    const verdict = checkHistory(
      history({
        intervals: [lead('n1#1', '10', 0, 9000)],
        faults: [fault(1000, 'n3')],
        unavailable: [{ proc: 'n3#1', from: T0 + 1000, to: null }],
      }),
    );
    expect(verdict.ok).toBe(true);
  });

  it('fails when two acting leaders coexist for the whole window', () => {
    const verdict = checkHistory(
      history({
        intervals: [lead('n1#1', '10', 0, 9000), lead('n2#1', '20', 0, 9000)],
        faults: [fault(1000, 'n3')],
      }),
    );
    expect(verdict.violations.map((v) => v.kind).sort()).toEqual(['no-leader', 'overlap']);
  });
});

describe('buildIntervals', () => {
  const at = (t: number) => T0 + t;
  it('extends an interval by reported deadlines and closes it at the demotion', () => {
    const intervals = buildIntervals({
      node: 'n1',
      proc: 'n1#1',
      events: [
        { t: at(0), node: 'n1', type: 'elected', term: '5', deadline: at(1800) },
        { t: at(700), node: 'n1', type: 'deadline', term: '5', deadline: at(2500) },
        { t: at(900), node: 'n1', type: 'demoted', term: '5', reason: 'handover' },
        { t: at(1000), node: 'n1', type: 'elected', term: '7', deadline: at(2900) },
      ],
    });
    expect(intervals).toEqual([
      { node: 'n1', proc: 'n1#1', term: '5', electedAt: at(0), deadline: at(2500), demotedAt: at(900) },
      { node: 'n1', proc: 'n1#1', term: '7', electedAt: at(1000), deadline: at(2900), demotedAt: null },
    ]);
  });

  it('treats a leader that reported no deadline as leading until it demotes', () => {
    const [interval] = buildIntervals({
      node: 'n1',
      proc: 'n1#1',
      events: [{ t: at(0), node: 'n1', type: 'elected', term: '5' }],
    });
    expect(interval?.deadline).toBe(Number.POSITIVE_INFINITY);
  });
});
