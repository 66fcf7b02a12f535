import { FAILOVER_TTL_SECONDS, type FailoverRow } from '../failover/measure-subject.js';
import type { FailoverResults } from '../failover/run-failover-suite.js';
import { etcd3Subject, librarySubject, postgresSubject } from '../failover/subjects.js';
import type { LoadRow } from '../load/measure-load.js';
import { fmt } from '../util/stats.js';
import type { TableRow } from './results.js';

/**
 * What a PostgreSQL node sends in steady state: its renewals (every TTL/3) and its polls (every
 * pollMs). The listener's probe (`listenProbe`) is off by default, so a `pg_notify` here fails it.
 */
const STEADY_STATEMENTS: ReadonlySet<string> = new Set(['election_renew', 'election_read']);

/** @election/postgres held to the targets of @election/etcd (not to the etcd3 ratio: that guard is etcd's). */
export function judgePostgres(
  row: FailoverRow,
  graceGoalMs: number,
  crashCeilingMs: number,
): { target: string; verdict: string } {
  if (row.fault === 'graceful') {
    return {
      target: `median < ${graceGoalMs} ms`,
      verdict: row.elected.median < graceGoalMs ? 'PASS' : 'FAIL (median)',
    };
  }
  return {
    target: `max ≤ TTL + 250 ms (${crashCeilingMs} ms)`,
    verdict: row.elected.max <= crashCeilingMs ? 'PASS' : 'FAIL (max)',
  };
}

/** The statements a PostgreSQL node sent per minute, counted on the client, by schema function. */
export function postgresLoadRow(load: LoadRow): TableRow {
  const entries = [...load.perNodePerMinute].sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  const steady = entries.every(([name]) => STEADY_STATEMENTS.has(name));
  return {
    part: 'load',
    measure: `${load.label}: steady state, statements the adapter sent per node per minute (counted on the client, ${Math.round(load.windowMs / 1000)} s window, ${load.nodes} nodes)`,
    result: `${fmt(total)} total: ${entries.map(([name, count]) => `${name} ${fmt(count)}`).join(' · ') || 'none'}`,
    target: 'only renewals (election_renew) and polls (election_read)',
    verdict: steady ? 'PASS' : 'FAIL',
  };
}

/** @election/postgres beside @election/etcd and the etcd3 recipe, per fault: medians from the same run. */
export function postgresComparisonRows(failover: FailoverResults): TableRow[] {
  const median = (subject: string, fault: string) =>
    failover.rows.find((row) => row.subject === subject && row.fault === fault)?.elected.median;
  const rows: TableRow[] = [];
  for (const fault of ['graceful', 'crash'] as const) {
    const postgres = median(postgresSubject.label, fault);
    const etcd = median(librarySubject.label, fault);
    const etcd3 = median(etcd3Subject.label, fault);
    if (postgres === undefined || etcd === undefined || etcd3 === undefined) continue;
    rows.push({
      part: 'failover',
      measure: `${fault === 'graceful' ? 'graceful handover' : 'crash (SIGKILL)'}, same run, TTL ${FAILOVER_TTL_SECONDS} s: new-leader medians side by side`,
      result: `@election/postgres **${fmt(postgres)} ms** · @election/etcd ${fmt(etcd)} ms · etcd3 recipe ${fmt(etcd3)} ms; postgres / etcd ${fmt(postgres / etcd, 2)}×, etcd3 / postgres ${fmt(etcd3 / postgres, 2)}×`,
      target: '',
      verdict: '',
    });
  }
  return rows;
}
