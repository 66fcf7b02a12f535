import { describe, expect, it } from 'vitest';
import { planFaults } from '../src/chaos/schedule.js';
import { diffCounters, parseGrpcMetrics } from '../src/etcd/metrics.js';
import { statementName } from '../src/nodes/statement-counter.js';
import { postgresLoadRow } from '../src/report/rows-postgres.js';
import { AgreementTracker } from '../src/scale/agreement.js';
import { median, percentile } from '../src/util/stats.js';

describe('parseGrpcMetrics', () => {
  it('sums received messages and handled calls per method over codes and types', () => {
    const text = [
      '# TYPE grpc_server_msg_received_total counter',
      'grpc_server_msg_received_total{grpc_method="LeaseKeepAlive",grpc_service="etcdserverpb.Lease",grpc_type="bidi_stream"} 12',
      'grpc_server_msg_received_total{grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} 3',
      'grpc_server_handled_total{grpc_code="OK",grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} 2',
      'grpc_server_handled_total{grpc_code="Unavailable",grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} 1',
      'etcd_server_has_leader 1',
    ].join('\n');
    const parsed = parseGrpcMetrics(text);
    expect(parsed.received).toEqual(
      new Map([
        ['Lease/LeaseKeepAlive', 12],
        ['KV/Range', 3],
      ]),
    );
    expect(parsed.handled).toEqual(new Map([['KV/Range', 3]]));
    const later = new Map([
      ['Lease/LeaseKeepAlive', 20],
      ['KV/Range', 3],
      ['KV/Txn', 1],
    ]);
    expect(diffCounters(parsed.received, later)).toEqual(
      new Map([
        ['Lease/LeaseKeepAlive', 8],
        ['KV/Txn', 1],
      ]),
    );
  });
});

describe('planFaults', () => {
  it('is the same schedule for the same seed and differs for another', () => {
    expect(planFaults(50, 7, 2000)).toEqual(planFaults(50, 7, 2000));
    expect(planFaults(50, 8, 2000)).not.toEqual(planFaults(50, 7, 2000));
  });

  it('covers every fault kind and pauses past the TTL', () => {
    const plan = planFaults(200, 1, 2000);
    expect(new Set(plan.map((fault) => fault.kind))).toEqual(
      new Set(['kill', 'pause', 'restart', 'etcd-kill']),
    );
    for (const fault of plan.filter((f) => f.kind === 'pause')) expect(fault.downMs).toBeGreaterThan(2000);
  });

  it("on PostgreSQL, gives the database etcd-kill's share as kill, pause (shorter and longer than the TTL) and restart; node faults stay where they were", () => {
    const etcd = planFaults(200, 1, 2000);
    const postgres = planFaults(200, 1, 2000, 'postgres');
    expect(new Set(postgres.map((fault) => fault.kind))).toEqual(
      new Set(['kill', 'pause', 'restart', 'db-kill', 'db-pause', 'db-restart']),
    );
    const pauses = postgres.filter((f) => f.kind === 'db-pause').map((f) => f.downMs);
    expect(Math.min(...pauses)).toBeLessThan(2000);
    expect(Math.max(...pauses)).toBeGreaterThan(2000);
    postgres.forEach((fault, i) => {
      const before = etcd[i];
      if (before?.kind === 'etcd-kill') expect(fault.kind).toMatch(/^db-/);
      else expect(fault).toEqual(before);
    });
  });
});

describe('statementName', () => {
  it('names a statement by the schema function it calls, else by its first word', () => {
    expect(statementName('select * from "election".election_renew($1, $2) as v')).toBe('election_renew');
    expect(statementName('select * from "t_1".election_read($1) as v')).toBe('election_read');
    expect(statementName('listen "election_election";')).toBe('listen');
    expect(statementName('select * from pg_notify($1, $2) as v')).toBe('pg_notify');
    expect(statementName('  BEGIN')).toBe('begin');
  });
});

describe('postgresLoadRow', () => {
  const row = (counts: [string, number][]) =>
    postgresLoadRow({ label: 'pg', nodes: 3, windowMs: 20_000, perNodePerMinute: new Map(counts) });

  it('passes when a node sent only renewals and polls, and fails on any other statement', () => {
    const steady = row([
      ['election_read', 30],
      ['election_renew', 90],
    ]);
    expect(steady.verdict).toBe('PASS');
    expect(steady.result).toBe('120.0 total: election_renew 90.0 · election_read 30.0');
    expect(row([...[['election_renew', 90] as [string, number]], ['election_acquire', 1]]).verdict).toBe(
      'FAIL',
    );
  });
});

describe('AgreementTracker', () => {
  it('reports nothing before it is sealed, then once per new leader all members name', () => {
    const agreed: string[] = [];
    const tracker = new AgreementTracker((leader) => agreed.push(leader));
    tracker.set('a', 'a');
    tracker.seal();
    tracker.set('b', null);
    expect(agreed).toEqual(['a']);
    tracker.set('b', 'b');
    tracker.set('b', 'a');
    expect(agreed).toEqual(['a']);
    tracker.set('c', null);
    tracker.set('c', 'c');
    tracker.set('c', 'a');
    expect(agreed).toEqual(['a']);
    tracker.set('a', null);
    tracker.set('b', 'b');
    tracker.set('c', 'b');
    tracker.set('a', 'b');
    expect(agreed).toEqual(['a', 'b']);
  });

  it('counts agreement among the remaining members when one leaves', () => {
    const agreed: string[] = [];
    const tracker = new AgreementTracker((leader) => agreed.push(leader));
    tracker.set('a', 'x');
    tracker.set('b', 'y');
    tracker.seal();
    expect(agreed).toEqual([]);
    tracker.remove('a');
    expect(agreed).toEqual(['y']);
  });
});

describe('stats', () => {
  it('takes medians and nearest-rank percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(Number.isNaN(median([]))).toBe(true);
  });
});
